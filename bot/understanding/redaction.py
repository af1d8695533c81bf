"""Redaction of personal data in citizen text (DESIGN.md section 5, issue #3 part 6).

``redact(text)`` replaces personal data with typed placeholders and reports what it
found. It is regex-based (fast, no model), never raises on any ``str`` and is used
before logging, evaluation export and any LLM call. What it recognises:

========================  ===================  ======================================
kind                      placeholder          how it is recognised
========================  ===================  ======================================
``iban``                  ``[IBAN]``           country code + check digits, ISO 13616
                                               mod-97 checksum must hold
``credit_card``           ``[KREDITKARTE]``    13-19 digits, Luhn checksum must hold
``tax_id``                ``[STEUER-ID]``      11 digits; labelled ("Steuer-ID",
                                               "IdNr" …) or valid ISO 7064 check digit
``id_number``             ``[AUSWEISNUMMER]``  labelled ID card / passport number, or
                                               the 9-character serial format (letters
                                               C F G H J K L M N P R T V W X Y Z)
``email``                 ``[E-MAIL]``         local@domain.tld
``birth_date``            ``[GEBURTSDATUM]``   a date after "geboren am", "geb.",
                                               "Geburtsdatum", "date of birth" …
``phone``                 ``[TELEFON]``        German and international formats
                                               (+49 …, 0049 …, 089/…, 0171 …), 7-15
                                               digits, not a date
========================  ===================  ======================================

Overlapping matches are resolved in the order of the table (an IBAN is never also a
phone number). Findings carry kind and span, never the value itself.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

PLACEHOLDERS: dict[str, str] = {
    "iban": "[IBAN]",
    "credit_card": "[KREDITKARTE]",
    "tax_id": "[STEUER-ID]",
    "id_number": "[AUSWEISNUMMER]",
    "email": "[E-MAIL]",
    "birth_date": "[GEBURTSDATUM]",
    "phone": "[TELEFON]",
}
_PRIORITY = {kind: rank for rank, kind in enumerate(PLACEHOLDERS)}

# Registered IBAN lengths of the countries citizens are most likely to use (SWIFT IBAN
# registry); other countries are accepted at any length 15-34 if the checksum holds.
_IBAN_LENGTHS = {
    "DE": 22, "AT": 20, "CH": 21, "FR": 27, "IT": 27, "ES": 24, "NL": 18, "BE": 16,
    "PL": 28, "LU": 20, "DK": 18, "SE": 24, "NO": 15, "FI": 18, "IE": 22, "PT": 25,
    "CZ": 24, "HU": 28, "RO": 24, "BG": 22, "HR": 21, "GR": 27, "TR": 26, "GB": 22,
}  # fmt: skip

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])", re.ASCII)
_CARD = re.compile(
    r"(?<![\d.,])(?<![A-Za-z]{2}\d{2} )(?<![A-Za-z]{2}\d{2})[3-6]\d{3}(?:[ -]?\d){9,15}(?![\d,])",
    re.ASCII,
)
_ELEVEN_DIGITS = re.compile(r"(?<![\d.,/+-])[1-9]\d(?: ?\d){9}(?![\d,/-])", re.ASCII)
_TAX_LABEL = re.compile(
    r"steuer[\s-]*(?:id|identifikationsnummer|nummer|nr)|identifikationsnummer|\bidnr\b"
    r"|\btin\b|tax[\s-]*id",
    re.IGNORECASE,
)
_ID_LABELLED = re.compile(
    r"(?:ausweis|personalausweis|reisepass|pass|passport|id[\s-]?card|dokument)"
    r"[\s-]*(?:nummer|nr\.?|number|no\.?)\s*(?:ist|lautet|is|:)?\s*[:#]?\s*"
    r"(?P<value>[A-Za-z0-9]{8,10})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ID_SERIAL = re.compile(
    r"(?<![A-Za-z0-9])[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d?(?![A-Za-z0-9])",
    re.ASCII,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_MONTHS = (
    "januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober"
    "|november|dezember|january|february|march|may|june|july|october|december"
)
_DATE = (
    r"\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}"
    rf"|\d{{1,2}}\.?\s(?:{_MONTHS})\s\d{{4}}"
)
_BIRTH = re.compile(
    r"(?:geboren\s+(?:am|den)?|\bgeb\.|geburtsdatum|geburtstag|date\s+of\s+birth|\bdob\b"
    rf"|born\s+(?:on)?)\s*(?:ist|is|:)?\s*:?\s*(?P<value>{_DATE})",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+/.,-])"
    r"(?:(?:\+|00)[1-9]\d{0,2}[ \-/.]?(?:\(0\)[ \-/.]?)?|\(?0\d{1,5}\)?[ \-/.]?)"
    r"\d(?:[ \-/.]?\d){3,13}"
    r"(?![\w])",
    re.ASCII,
)
_DATE_LIKE = re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}$", re.ASCII)


class Finding(BaseModel):
    """One piece of personal data found in a text (kind and span, not the value)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    start: int
    end: int


class RedactionResult(BaseModel):
    """Redacted text and what was replaced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    findings: list[Finding] = Field(default_factory=list)

    @property
    def kinds(self) -> set[str]:
        """The kinds of personal data found."""
        return {f.kind for f in self.findings}


def redact(text: str) -> RedactionResult:
    """Replace personal data in ``text`` with typed placeholders ([E-MAIL], [IBAN] …)."""
    if not isinstance(text, str):
        raise TypeError(f"redact() needs a str, got {type(text).__name__}")
    chosen: list[Finding] = []  # sorted by start, never overlapping
    starts: list[int] = []
    for shield in _invalid_ibans(text):  # kept as they are, but nothing else may use them
        _claim(chosen, starts, shield)
    for finding in sorted(_candidates(text), key=lambda f: (_PRIORITY[f.kind], f.start)):
        _claim(chosen, starts, finding)
    chosen = [f for f in chosen if f.kind != "_shield"]
    parts: list[str] = []
    cursor = 0
    for finding in chosen:
        parts.append(text[cursor : finding.start])
        parts.append(PLACEHOLDERS[finding.kind])
        cursor = finding.end
    parts.append(text[cursor:])
    return RedactionResult(text="".join(parts), findings=chosen)


def _claim(chosen: list[Finding], starts: list[int], finding: Finding) -> None:
    """Insert ``finding`` into ``chosen`` (sorted by start) unless it overlaps a chosen one."""
    index = bisect.bisect_left(starts, finding.start)
    if index < len(chosen) and chosen[index].start < finding.end:
        return
    if index > 0 and chosen[index - 1].end > finding.start:
        return
    chosen.insert(index, finding)
    starts.insert(index, finding.start)


def _candidates(text: str) -> Iterator[Finding]:
    yield from _ibans(text)
    for match in _CARD.finditer(text):
        card = re.sub(r"\D", "", match.group())
        if 13 <= len(card) <= 19 and luhn_valid(card):
            yield Finding(kind="credit_card", start=match.start(), end=match.end())
    for match in _ELEVEN_DIGITS.finditer(text):
        digits = match.group().replace(" ", "")
        labelled = _TAX_LABEL.search(text[max(0, match.start() - 40) : match.start()])
        if labelled or tax_id_valid(digits):
            yield Finding(kind="tax_id", start=match.start(), end=match.end())
    for match in _ID_LABELLED.finditer(text):
        yield Finding(kind="id_number", start=match.start("value"), end=match.end("value"))
    for match in _ID_SERIAL.finditer(text):
        value = match.group()
        if sum(ch.isdigit() for ch in value) >= 3 and any(ch.isalpha() for ch in value):
            yield Finding(kind="id_number", start=match.start(), end=match.end())
    for match in _EMAIL.finditer(text):
        yield Finding(kind="email", start=match.start(), end=match.end())
    for match in _BIRTH.finditer(text):
        yield Finding(kind="birth_date", start=match.start("value"), end=match.end("value"))
    for match in _PHONE.finditer(text):
        phone = match.group()
        digit_count = sum(ch.isdigit() for ch in phone)
        if 7 <= digit_count <= 15 and not _DATE_LIKE.match(phone):
            yield Finding(kind="phone", start=match.start(), end=match.end())


def _ibans(text: str) -> Iterator[Finding]:
    """IBANs, written compact or in groups of four; the longest valid prefix wins."""
    yield from (f for f in _iban_shapes(text) if f.kind == "iban")


def _invalid_ibans(text: str) -> Iterator[Finding]:
    """IBAN-shaped strings with a wrong checksum: kept as they are, not read as phones."""
    yield from (f for f in _iban_shapes(text) if f.kind == "_shield")


def _iban_shapes(text: str) -> Iterator[Finding]:
    for start in _IBAN_START.finditer(text):
        compact: list[str] = []
        ends: list[int] = []
        pos = start.start()
        while pos < len(text) and len(compact) < 34:
            char = text[pos]
            if char == " " and compact and pos + 1 < len(text) and text[pos + 1].isalnum():
                pos += 1
                continue
            if not (char.isascii() and char.isalnum()):
                break
            compact.append(char.upper())
            ends.append(pos + 1)
            pos += 1
        expected = _IBAN_LENGTHS.get("".join(compact[:2]))
        lengths = [expected] if expected else range(len(compact), 14, -1)
        for length in lengths:
            if length <= len(compact) and iban_valid("".join(compact[:length])):
                yield Finding(kind="iban", start=start.start(), end=ends[length - 1])
                break
        else:
            if expected and len(compact) >= expected:
                yield Finding(kind="_shield", start=start.start(), end=ends[expected - 1])


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, mod 97 must be 1."""
    iban = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban, re.ASCII):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def luhn_valid(digits: str) -> bool:
    """Luhn checksum of a digit string (credit card numbers)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def tax_id_valid(digits: str) -> bool:
    """German Steuer-ID: 11 digits, ISO 7064 MOD 11,10 check digit, digit distribution."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return False
    counts = sorted((digits[:10].count(d) for d in set(digits[:10])), reverse=True)
    # §139b AO: in the first ten digits exactly one digit occurs twice or three times.
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] > 1):
        return False
    product = 10
    for char in digits[:10]:
        total = (int(char) + product) % 10 or 10
        product = (total * 2) % 11
    check = (11 - product) % 10
    return check == int(digits[10])
