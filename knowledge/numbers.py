"""Numbers in service texts and answers, written one canonical way.

The live grounding check (bot/grounding.py) and the evaluation metric
(eval/normalisation.py) both ask "does this number of the answer occur in the
sources?". They used to carry a ``canonical_number`` each and disagreed: the check
read ``12.50`` as the decimal 12,5 and the metric as the two numbers 12 and 50, the
check read ``01.07.2026`` as the decimal 1,07 and ``1.7.2026`` as 1,7 (so a correctly
copied date failed), and neither read ``8:00 Uhr`` as ``8 Uhr`` (issue 11, item 5).
Both now use this module; it lives in knowledge/ because that is the one layer both
bot/ and eval/ may import.

Canonical forms (``numbers("...")``), tried in this order:

- **dates** ``01.07.2026`` / ``1.7.2026`` / ``2026-07-01`` → ``1.7.2026``; a date
  without a year needs its closing dot: ``1.7.`` → ``1.7.``; day 1-31, month 1-12,
  two-digit years kept as written. (``12.05.`` at the end of a sentence is read as a
  date, not as an English amount; German texts write amounts with a comma.)
- **times of day** ``8:30``, ``08:30``, ``8.30 Uhr`` → ``8:30``; full hours drop the
  minutes, so ``8:00 Uhr`` = ``8.00 Uhr`` = ``8 Uhr`` → ``8``.
- **amounts and counts** ``1.000,50`` → ``1000,5`` (German thousands dots dropped,
  decimal comma, trailing decimal zeros removed), ``37,00`` → ``37``, ``089`` → ``89``,
  and an English decimal point with one or two decimals (a model writing ``12.50``)
  → ``12,5``, the same as ``12,50 €``; ``1.500`` (three digits after the dot) is the
  German thousand, 1500.
- **ranges** ``8-12``, ``8–12``, ``8 bis 12`` are two numbers, ``8`` and ``12``.

Digits inside links are ids and those of citation markers (``[1]``, ``[1, 3]``) point
at passages; neither is a claim, so ``numbers`` skips both.
"""

from __future__ import annotations

import re

_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DATE = rf"(?P<day>{_DAY})\.(?P<month>{_MONTH})\.(?P<year>\d{{4}}|\d{{2}})?(?![\d])"
_ISO_DATE = r"(?P<iso_year>\d{4})-(?P<iso_month>0[1-9]|1[0-2])-(?P<iso_day>0[1-9]|[12]\d|3[01])"
_TIME = r"(?P<hour>[01]?\d|2[0-3])(?::|\.(?=\d\d\s*(?i:uhr)))(?P<minute>[0-5]\d)(?!\d)"
_THOUSANDS = r"\d{1,3}(?:\.\d{3})+(?!\d|\.\d)(?:,\d+)?"
_ENGLISH_DECIMAL = r"\d+\.\d{1,2}(?!\d|\.\d)"
_PLAIN = r"\d+(?:,\d+)?"

# Order matters: the first alternative that matches at a position wins.
NUMBER = re.compile(
    rf"(?:(?P<date>{_DATE})|(?P<iso>{_ISO_DATE})(?!\d)|(?P<time>{_TIME})"
    rf"|(?P<amount>{_THOUSANDS}|{_ENGLISH_DECIMAL}|{_PLAIN}))"
)
_NOT_CLAIMS = re.compile(r"https?://\S+|www\.\S+|\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]", re.IGNORECASE)


def canonical_number(raw: str) -> str:
    """One number (a match of ``NUMBER``) in canonical form (see the module docstring).

    >>> canonical_number("1.000,50"), canonical_number("12.50"), canonical_number("01.07.2026")
    ('1000,5', '12,5', '1.7.2026')
    """
    match = NUMBER.fullmatch(raw.strip())
    if match is None:
        raise ValueError(f"{raw!r} is not a number; expected digits such as '12,50' or '1.7.2026'")
    return _canonical(match)


def numbers(text: str) -> list[str]:
    """The canonical numbers of ``text`` in order, those in links and citations skipped."""
    return [_canonical(match) for match in NUMBER.finditer(_NOT_CLAIMS.sub(" ", text))]


def canonicalise_numbers(text: str) -> str:
    """``text`` with every number written canonically (links included, as written)."""
    return NUMBER.sub(_canonical, text)


def _canonical(match: re.Match[str]) -> str:
    if match["date"] is not None:
        year = match["year"] or ""
        return f"{_int(match['day'])}.{_int(match['month'])}.{year}"
    if match["iso"] is not None:
        return f"{_int(match['iso_day'])}.{_int(match['iso_month'])}.{match['iso_year']}"
    if match["time"] is not None:
        hour, minute = _int(match["hour"]), match["minute"]
        return hour if minute == "00" else f"{hour}:{minute}"
    return _amount(match["amount"])


def _amount(raw: str) -> str:
    if re.fullmatch(_ENGLISH_DECIMAL, raw):
        raw = raw.replace(".", ",")
    whole, _, fraction = raw.replace(".", "").partition(",")
    fraction = fraction.rstrip("0")
    return f"{_int(whole)},{fraction}" if fraction else _int(whole)


def _int(digits: str) -> str:
    return digits.lstrip("0") or "0"
