"""Metadata lines of a page that are retrieval vocabulary, not text for citizens (issue 17).

Content systems let editors tag a page with search words, and many publish them as a
last paragraph of the page ("<p><em>Schlagworte: Deutschkurs, Deutsch lernen</em></p>"
on 150 of the 210 Landkreis Augsburg pages, "Keywords: …" in their English versions,
"Suchbegriffe:" and "Stichworte:" on a few). Shown in an answer such a line reads as
page furniture; for search it is the editors' own list of the words citizens use, like
a DLDB entry's ``keywords``. :func:`split_keywords` takes these lines out of the
sections and returns their words, which the adapters (Integreat, folder, files, uploads
and web pages) store as ``Service.keywords`` (indexed on the service's card,
ingest/chunking.py, never quoted in an answer).

The rule is general, not a list of pages: a line that is only a tag label (the labels
WordPress, TYPO3 and Integreat's CMS use for page tags, in German and English) followed
by a colon and a list. A label inside a sentence ("Suchbegriff: „Impfungen“" after a
link) is text and stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.models import Section

__all__ = ["merge_keywords", "split_keywords"]

_LABEL = re.compile(
    r"^\s*(schlagw(ö|oe|o)rt(e|er)?|stichw(ö|oe|o)rt(e|er)?|suchbegriff(e)?|suchw(ö|oe|o)rt(e|er)?|"
    r"tags?|keywords?|key words|search terms?|tagged)\s*:\s*(?P<words>.+)$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s*[,;]\s*")


def split_keywords(sections: Sequence[Section]) -> tuple[list[Section], list[str]]:
    """``sections`` without their tag lines, and the tag words in order (each once).

    A section left without text is dropped; the words keep the source's spelling.
    """
    kept: list[Section] = []
    words: list[str] = []
    seen: set[str] = set()  # casefolded: each word once, in the source's spelling
    for section in sections:
        lines: list[str] = []
        for line in section.text.splitlines():
            match = _LABEL.match(line)
            if match is None:
                lines.append(line)
                continue
            for word in _SEPARATORS.split(match.group("words")):
                word = word.strip(" .")
                if word and word.casefold() not in seen:
                    seen.add(word.casefold())
                    words.append(word)
        text = "\n".join(lines).strip()
        if text:
            kept.append(
                section if text == section.text else section.model_copy(update={"text": text})
            )
    return kept, words


def merge_keywords(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """``first`` (an editor's keywords) then the words of ``second`` it lacks (case ignored)."""
    known = {word.casefold() for word in first}
    return [*first, *(word for word in second if word.casefold() not in known)]
