"""The console's configuration, read once per session by console/app.py (its entry point).

The console must not import the bot's settings (import-linter: it talks to the bot over
HTTP only), so it reads the same ``GOVBOT_CONSOLE__*`` variables itself; ``govbot
console`` sets ``GOVBOT_CONSOLE__API_URL`` from the API's host and port.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleConfig(BaseSettings):
    """Where the API is and how often the inbox refreshes."""

    model_config = SettingsConfigDict(env_prefix="GOVBOT_CONSOLE__", extra="ignore", frozen=True)

    api_url: str = "http://127.0.0.1:8000"
    refresh_seconds: int = Field(default=10, ge=2, le=600)
    timeout_s: float = Field(default=15.0, gt=0)
    time_zone: str = "Europe/Berlin"
