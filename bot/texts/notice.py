"""The AI transparency notice shown at the start of every conversation.

EU AI Act (Regulation (EU) 2024/1689) Art. 50(1): people interacting with an AI
system must be informed that they are, unless it is obvious. GovBot also says what it
does not do (decide on applications) and that a person is always available.
"""

from __future__ import annotations

from typing import Literal

from knowledge.models import Tenant

Language = Literal["de", "en"]

_NOTICE = {
    "de": (
        "Sie schreiben mit einem KI-Assistenten {city}. Er gibt Auskunft zu "
        "Verwaltungsleistungen, entscheidet aber nicht über Anträge. Seine Antworten "
        "nennen immer die Quelle; bitte prüfen Sie wichtige Angaben dort. Sie können "
        "jederzeit mit einem Menschen sprechen. Bitte geben Sie keine persönlichen Daten "
        "wie Aktenzeichen, Steuer-ID oder Kontonummern ein."
    ),
    "en": (
        "You are chatting with an AI assistant of {city}. It provides information "
        "about public services but does not decide on applications. Its answers always "
        "name their source; please check important details there. You can talk to a "
        "person at any time. Please do not enter personal data such as case numbers, "
        "tax IDs or bank details."
    ),
}

# How the shipped demo tenants are named in the notice (German genitive); other tenants
# use "von <Tenant.name>" or a neutral fallback.
_CITY_NAMES = {
    "de": {
        "muenchen": "der Landeshauptstadt München",
        "lkaugsburg": "des Landkreises Augsburg",
        "rems-murr-kreis": "des Rems-Murr-Kreises",
    },
    "en": {
        "muenchen": "the City of Munich",
        "lkaugsburg": "the District of Augsburg",
        "rems-murr-kreis": "the Rems-Murr district",
    },
}
_FALLBACK = {"de": "der Stadtverwaltung", "en": "the city administration"}


def city_name(tenant: str | Tenant, language: Language = "de") -> str:
    """How the municipality behind ``tenant`` is named in the notice ("der Landeshauptstadt …")."""
    slug = tenant.slug if isinstance(tenant, Tenant) else tenant
    if slug in _CITY_NAMES[language]:
        return _CITY_NAMES[language][slug]
    if isinstance(tenant, Tenant):
        return f"von {tenant.name}" if language == "de" else tenant.name
    return _FALLBACK[language]


def ai_notice(tenant: str | Tenant, language: Language = "de") -> str:
    """The transparency notice for a new conversation with ``tenant``, in ``language``."""
    if language not in _NOTICE:
        raise ValueError(f"language must be 'de' or 'en', got {language!r}")
    return _NOTICE[language].format(city=city_name(tenant, language))
