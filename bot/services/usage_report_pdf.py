"""The usage report as PDF (fpdf2): the same figures as the HTML, charts as black bars.

Text is set in DejaVu Sans when the system has it (Debian: fonts-dejavu-core), which
covers German and typographic quotes; otherwise in the PDF core font Helvetica, with
characters outside Latin-1 replaced.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from bot.services.usage_report import UsageReport, _minutes, _percent

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_BAR_WIDTH = 95.0  # mm for the longest bar


class _ReportPdf(FPDF):
    def __init__(self, report: UsageReport) -> None:
        super().__init__(format="A4")
        self.report = report
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.body_font = "Body"
        else:
            self.body_font = "Helvetica"
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def text_safe(self, text: str) -> str:
        if self.body_font == "Body":
            return text
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.body_font, "", 8)
        report = self.report
        label = f"GovBot-Nutzungsbericht {report.tenant} {report.month} – Seite {self.page_no()}"
        self.cell(0, 5, self.text_safe(label), align="C")

    def heading(self, text: str) -> None:
        self.ln(4)
        self.set_font(self.body_font, "B", 12)
        self.multi_cell(0, 7, self.text_safe(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.set_font(self.body_font, "", 9.5)

    def line_text(self, text: str, *, bold: bool = False) -> None:
        self.set_font(self.body_font, "B" if bold else "", 9.5)
        self.multi_cell(0, 5, self.text_safe(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.body_font, "", 9.5)

    def bar_row(
        self, label: str, value: float, peak: float, caption: str, *, grey: bool = False
    ) -> None:
        if self.will_page_break(6):
            self.add_page()
        y = self.get_y()
        self.set_xy(self.l_margin, y)
        self.cell(55, 5, self.text_safe(label))
        width = _BAR_WIDTH * value / peak if peak else 0
        self.set_fill_color(140 if grey else 0)
        if width > 0:
            self.rect(self.l_margin + 56, y + 1, width, 3.2, style="F")
        self.set_xy(self.l_margin + 58 + width, y)
        self.cell(30, 5, self.text_safe(caption))
        self.set_xy(self.l_margin, y + 5.5)


def render_pdf(report: UsageReport) -> bytes:
    """The report as PDF bytes."""
    pdf = _ReportPdf(report)
    pdf.set_title(f"Nutzungsbericht {report.tenant} {report.month}")
    pdf.set_creator("GovBot")
    pdf.add_page()
    pdf.set_font(pdf.body_font, "B", 16)
    pdf.multi_cell(
        0,
        8,
        pdf.text_safe(f"Nutzungsbericht GovBot – {report.tenant}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(pdf.body_font, "", 9)
    pdf.multi_cell(
        0,
        5,
        pdf.text_safe(
            f"Berichtsmonat {report.month} · erstellt am "
            f"{report.generated_at:%d.%m.%Y %H:%M} UTC · ohne Auswertung einzelner "
            "Mitarbeitender; Fragen nur in geschwärzter Form."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.heading("Überblick")
    for label, value in (
        ("Gespräche", report.conversations),
        ("Nachrichten von Bürgerinnen und Bürgern", report.messages),
        ("Antworten des Assistenten", report.answers),
        ("Übergaben an Mitarbeitende", report.handoffs.get("handoffs", 0)),
    ):
        pdf.line_text(f"{label}: {value}")

    pdf.heading("Gespräche (schwarz) und Nachrichten (grau) pro Woche")
    peak = max(
        [w["messages"] for w in report.weeks] + [w["conversations"] for w in report.weeks] + [1]
    )
    for week in report.weeks:
        pdf.bar_row(week["week"], week["conversations"], peak, str(week["conversations"]))
        pdf.bar_row("", week["messages"], peak, str(week["messages"]), grey=True)

    pdf.heading("Wie der Assistent geantwortet hat")
    for item in report.status_shares:
        pdf.bar_row(
            item["label"], item["share"], 1.0, f"{_percent(item['share'])} ({item['count']})"
        )

    pdf.heading("Meistgefragte Leistungen")
    if not report.services:
        pdf.line_text("Keine beantworteten Fragen in diesem Monat.")
    for service in report.services:
        pdf.line_text(f"{service['count']:>5} × {service['title']}")

    pdf.heading("Häufigste unbeantwortete Fragen nach Thema (Aufgaben für die Redaktion)")
    if not report.gaps_by_topic:
        pdf.line_text("Keine unbeantworteten Fragen.")
    for group in report.gaps_by_topic:
        pdf.line_text(f"{group['topic']} ({group['count']})", bold=True)
        for question in group["questions"]:
            pdf.line_text(f"   – {question['question']} ({question['count']})")

    pdf.heading("Übergaben an Mitarbeitende")
    handoffs = report.handoffs
    pdf.line_text(
        f"Übergaben: {handoffs.get('handoffs', 0)}, davon übernommen {handoffs.get('claimed', 0)}, "
        f"abgeschlossen {handoffs.get('closed', 0)}"
    )
    pdf.line_text(
        f"Wartezeit bis zur Übernahme: Median {_minutes(handoffs.get('waiting_median_min'))}, "
        f"90 % innerhalb {_minutes(handoffs.get('waiting_p90_min'))}; bis zum Abschluss: Median "
        f"{_minutes(handoffs.get('closing_median_min'))}"
    )

    pdf.heading("Rückmeldungen der Bürgerinnen und Bürger")
    pdf.line_text(
        f"Hilfreich: {report.feedback['helpful']} · nicht hilfreich: {report.feedback['unhelpful']}"
    )
    for comment in report.feedback.get("comments", []):
        pdf.line_text(f"   – {comment}")

    pdf.heading("Sprachen")
    names = {"de": "Deutsch", "en": "Englisch"}
    for language, count in sorted(report.languages.items()):
        pdf.line_text(f"{names.get(language, language)}: {count} Gespräche")
    return bytes(pdf.output())
