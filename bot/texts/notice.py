"""The AI transparency notice shown at the start of every conversation.

EU AI Act (Regulation (EU) 2024/1689) Art. 50(1): people interacting with an AI
system must be informed that they are, unless it is obvious. GovBot also says what it
does not do (decide on applications) and that a person is always available. The texts
(``notice.ai``, ``city.<tenant>``) are in the catalogue, bot/texts/<language>.yaml.
"""

from __future__ import annotations

from bot.texts.catalogue import shipped_texts
from knowledge.models import Tenant

Language = str  # a language of the catalogue (bot/texts/<code>.yaml)


def city_name(tenant: str | Tenant, language: Language = "de") -> str:
    """How the municipality behind ``tenant`` is named in the notice ("der Landeshauptstadt …")."""
    slug = tenant.slug if isinstance(tenant, Tenant) else tenant
    texts = shipped_texts()
    if texts.has(f"city.{slug}"):
        return texts.text(f"city.{slug}", language)
    if isinstance(tenant, Tenant):
        return f"von {tenant.name}" if language == "de" else tenant.name
    return texts.text("city.fallback", language)


def ai_notice(tenant: str | Tenant, language: Language = "de") -> str:
    """The transparency notice for a new conversation with ``tenant``, in ``language``."""
    if language not in shipped_texts().languages:
        raise ValueError(f"language must be one of {shipped_texts().languages}, got {language!r}")
    return shipped_texts().text("notice.ai", language, city=city_name(tenant, language))
