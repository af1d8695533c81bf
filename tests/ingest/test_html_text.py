"""HTML → clean text and sections, on small fragments shaped like the real sources."""

from __future__ import annotations

from ingest.html_text import TextSection, first_sentences, html_to_text, split_sections


def test_paragraphs_lists_breaks_and_links_become_clean_lines() -> None:
    html = (
        "<p>\u200bSie brauchen einen <a href='https://x.de'>Termin</a>.</p>\n"
        "<ul><li>Personalausweis</li><li>Foto<ul><li>biometrisch</li></ul></li></ul>"
        "<ol><li>Anmeldung starten</li><li>Online&nbsp;zahlen<br>per Karte</li></ol>"
        "<p>&#160;</p><p>Ende  mit   Leerraum</p><img src='x.png' alt='Icon'><script>x()</script>"
    )
    assert html_to_text(html).splitlines() == [
        "Sie brauchen einen Termin.",
        "- Personalausweis",
        "- Foto",
        "  - biometrisch",
        "1. Anmeldung starten",
        "2. Online zahlen",
        "per Karte",
        "Ende mit Leerraum",
    ]


def test_empty_html_gives_empty_text_and_no_sections() -> None:
    assert html_to_text("") == ""
    assert html_to_text("<p>&nbsp;\u200b</p>") == ""
    assert split_sections("   ") == []


def test_table_rows_become_cell_lines() -> None:
    html = (
        "<table><tr><td>Kind</td><td>10 Euro</td></tr>"
        "<tr><td>Erwachsene</td><td>20 Euro</td></tr></table>"
    )
    assert html_to_text(html) == "Kind | 10 Euro\nErwachsene | 20 Euro"


def test_sections_split_at_headings_and_bold_only_paragraphs() -> None:
    html = (
        "<p>Einleitung.</p>"
        "<h3>Voraussetzungen</h3><p>Wohnsitz in München.</p>"
        "<p><strong>So funktioniert die Online-Anmeldung:</strong></p><ol><li>Starten</li></ol>"
        "<p><strong>Die Vorsprache ist nur mit Termin möglich.</strong></p>"
    )
    assert split_sections(html) == [
        TextSection(heading="", text="Einleitung."),
        TextSection(heading="Voraussetzungen", text="Wohnsitz in München."),
        TextSection(
            heading="So funktioniert die Online-Anmeldung",
            text="1. Starten\nDie Vorsprache ist nur mit Termin möglich.",
        ),
    ]


def test_stacked_headings_keep_their_words_and_a_trailing_heading_is_dropped() -> None:
    html = (
        "<h3>Funktionen der App:</h3><h4><img src='i.png'> Suchen</h4><p>Suchbegriff eingeben.</p>"
        "<h4><img src='only-icon.png'></h4><p>Mehr.</p><h4>Leer</h4>"
    )
    assert split_sections(html) == [
        TextSection(heading="Suchen", text="Funktionen der App\nSuchbegriff eingeben.\nMehr."),
    ]


def test_bold_headings_can_be_turned_off() -> None:
    html = "<p>A.</p><p><strong>Hinweis</strong></p><p>B.</p>"
    assert split_sections(html, bold_paragraph_headings=False) == [
        TextSection(heading="", text="A.\nHinweis\nB.")
    ]


def test_first_sentences_stop_after_enough_words() -> None:
    text = (
        "Kurz. Das ist der zweite Satz mit einigen Wörtern mehr. Dritter Satz. Vierter.\n"
        "Zweite Zeile."
    )
    assert first_sentences(text, min_words=8) == (
        "Kurz. Das ist der zweite Satz mit einigen Wörtern mehr."
    )
    assert first_sentences(text, min_words=100) == (
        "Kurz. Das ist der zweite Satz mit einigen Wörtern mehr. Dritter Satz."
    )


def test_a_link_that_only_points_keeps_its_address_after_its_sentence() -> None:
    # Shaped like Landkreis Augsburg's pages (Integreat): "Hier" is the whole link text.
    html = (
        "<p>Du brauchst einen Termin. <a class='link-external' href='https://termine.example/"
        "cal?uid=1&amp;lang=de'>Hier</a> kannst Du einen Termin vereinbaren. Bring Deinen Pass"
        " mit.</p><p>Alle Online-Dienste findest Du <a href='https://lra.example/formulare/'>"
        "hier </a>zusammengefasst</p><ul><li><a href='https://more.example'>Mehr erfahren</a>"
        "</li><li>Karten gibt es <a href='https://a.example'>hier</a> und <a "
        "href='https://b.example'>here</a>.</li></ul>"
    )
    assert html_to_text(html).splitlines() == [
        "Du brauchst einen Termin. Hier kannst Du einen Termin vereinbaren.",
        "https://termine.example/cal?uid=1&lang=de",
        "Bring Deinen Pass mit.",
        "Alle Online-Dienste findest Du hier zusammengefasst",
        "https://lra.example/formulare/",
        "- Mehr erfahren",
        "https://more.example",
        "- Karten gibt es hier und here.",
        "https://a.example",
        "https://b.example",
    ]


def test_named_relative_and_mail_links_keep_only_their_text() -> None:
    html = (
        "<p>Termine beim <a href='https://lra.example/amt'>Ausländeramt</a>. Formulare gibt es"
        " <a href='/formulare'>hier</a>. Schreib <a href='mailto:a@lra.example'>hier</a> hin."
        "</p><h2>Mehr <a href='https://x.example'>hier</a></h2><p>Text \x01 bleibt.</p>"
    )
    assert html_to_text(html).splitlines() == [
        "Termine beim Ausländeramt. Formulare gibt es hier. Schreib hier hin.",
        "Mehr hier",
        "https://x.example",
        "Text bleibt.",
    ]
    assert split_sections(html)[1] == TextSection(heading="Mehr hier", text="Text bleibt.")
