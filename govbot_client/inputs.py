"""Bounds every request body shares, so that no input reaches storage it cannot hold.

Found by a security review (issue 14, finding 4): text with a lone surrogate (valid JSON,
not encodable as UTF-8) or a NUL character (PostgreSQL text cannot hold it), and integers
beyond an INTEGER column, each a 500 before. The request models of this package and the
API's own (bot/api/validation.py) share this base, so a client refuses such input before
sending it and the API refuses it with 422.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

# INTEGER columns are 32-bit on PostgreSQL: no larger id can exist.
MAX_ID = 2**31 - 1


def check_text(value: str) -> str:
    """``value`` unchanged, or ValueError when storage could not hold it."""
    if "\x00" in value:
        raise ValueError("text contains a NUL character (\\u0000); remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"text contains a lone surrogate at position {exc.start} (e.g. \\ud800 without "
            "its pair); send well-formed Unicode"
        ) from exc
    return value


def _check_value(value: object) -> None:
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -MAX_ID <= value <= MAX_ID:
            raise ValueError(f"number {value} is out of range (at most {MAX_ID})")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check_value(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key)
            _check_value(item)


class InputModel(BaseModel):
    """Base of every request body: unknown fields refused, every text and number bounded."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        _check_value(value)
        return value
