"""The catalogue of citizen-facing texts: one YAML file per language, each text with a
stable key (``section.name``, e.g. ``label.emergency``, ``answer.stand``, ``system.claimed``).

``de.yaml`` is the reference: every other catalogue must have exactly its keys, with the
same ``{placeholders}`` in each text, or loading fails with the keys to fix. Adding a
language is a new ``<code>.yaml`` next to it (and the test that loads all catalogues).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator

from knowledge.errors import ConfigurationError

__all__ = [
    "REFERENCE_LANGUAGE",
    "TEXTS_DIR",
    "CatalogueLanguage",
    "TextCatalogue",
    "shipped_texts",
    "supported_language",
]

TEXTS_DIR = Path(__file__).parent
REFERENCE_LANGUAGE = "de"


class TextCatalogue:
    """Texts by language and key, checked to be complete in every language."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        if REFERENCE_LANGUAGE not in texts:
            raise ConfigurationError(
                f"the text catalogue needs the reference language {REFERENCE_LANGUAGE!r}; "
                f"found only {sorted(texts)}"
            )
        reference = texts[REFERENCE_LANGUAGE]
        for language, catalogue in texts.items():
            _check_complete(language, catalogue, reference)
        self._texts = {language: dict(catalogue) for language, catalogue in texts.items()}

    @classmethod
    def from_directory(cls, directory: Path = TEXTS_DIR) -> TextCatalogue:
        """Load every ``<language>.yaml`` in ``directory`` (the shipped bot/texts/)."""
        files = sorted(directory.glob("*.yaml"))
        return cls({path.stem: _read(path) for path in files})

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages with a catalogue, the reference first."""
        others = sorted(language for language in self._texts if language != REFERENCE_LANGUAGE)
        return (REFERENCE_LANGUAGE, *others)

    def stable_keys(self) -> list[str]:
        """Every key, in the reference catalogue's order."""
        return list(self._texts[REFERENCE_LANGUAGE])

    def has(self, key: str) -> bool:
        """Whether ``key`` names a text."""
        return key in self._texts[REFERENCE_LANGUAGE]

    def text(self, key: str, language: str, **values: str) -> str:
        """The text ``key`` in ``language``, with ``values`` filled in."""
        catalogue = self._texts.get(language)
        if catalogue is None:
            raise ConfigurationError(
                f"no text catalogue for language {language!r}; available: {self.languages}"
            )
        try:
            template = catalogue[key]
        except KeyError as exc:
            raise ConfigurationError(
                f"the text catalogue has no key {key!r}; add it to bot/texts/*.yaml"
            ) from exc
        return template.format(**values) if values else template

    def section(self, section: str, language: str) -> dict[str, str]:
        """All texts of ``section`` in ``language``, by name (e.g. the widget's strings)."""
        prefix = f"{section}."
        return {
            key.removeprefix(prefix): self.text(key, language)
            for key in self.stable_keys()
            if key.startswith(prefix)
        }


@cache
def shipped_texts() -> TextCatalogue:
    """The shipped catalogue (bot/texts/*.yaml), loaded once per process."""
    return TextCatalogue.from_directory()


def supported_language(code: str) -> str:
    """``code`` if the shipped catalogue has texts in it, else ValueError naming those it has
    (as a pydantic validator: a 422 that lists the languages)."""
    languages = shipped_texts().languages
    if code not in languages:
        raise ValueError(f"language {code!r} is not supported; use one of {', '.join(languages)}")
    return code


# A language code validated against the shipped catalogue (API fields, answers).
CatalogueLanguage = Annotated[str, AfterValidator(supported_language)]


def _read(path: Path) -> dict[str, str]:
    """The file's ``section: {name: text}`` mapping as ``{"section.name": text}``."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read text catalogue {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigurationError(f"text catalogue {path} must map sections to texts")
    texts: dict[str, str] = {}
    for section, entries in raw.items():
        if not isinstance(entries, dict) or not all(
            isinstance(text, str) for text in entries.values()
        ):
            raise ConfigurationError(
                f"text catalogue {path}: section {section!r} must map names to texts"
            )
        for name, text in entries.items():
            texts[f"{section}.{name}"] = text
    return texts


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_complete(
    language: str, catalogue: Mapping[str, str], reference: Mapping[str, str]
) -> None:
    missing = [key for key in reference if key not in catalogue]
    extra = [key for key in catalogue if key not in reference]
    if missing or extra:
        raise ConfigurationError(
            f"text catalogue {language!r} must have the keys of {REFERENCE_LANGUAGE!r}: "
            f"missing {missing}, unknown {extra}"
        )
    wrong = [
        key for key in reference if _placeholders(catalogue[key]) != _placeholders(reference[key])
    ]
    if wrong:
        raise ConfigurationError(
            f"text catalogue {language!r} uses other placeholders than {REFERENCE_LANGUAGE!r} "
            f"in {wrong}; keep the same {{names}}"
        )
