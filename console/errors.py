"""Errors of the staff console's API client, each with the German text shown to staff.

    ConsoleError
    ├── ApiUnreachable      no connection to the API (refused, DNS, timeout)
    └── ApiError            the API answered with an error status
        ├── LoginFailed         wrong username or password (401 at login)
        ├── SessionExpired      401 on any other call: the token expired or was revoked
        └── Forbidden           403: the role may not do this

The pages turn them into messages (console/app.py); SessionExpired sends staff back to
the login with "Sitzung abgelaufen".
"""

from __future__ import annotations


class ConsoleError(Exception):
    """Base of the console's errors; ``str()`` is the message for staff."""


class ApiUnreachable(ConsoleError):
    """The API could not be reached at ``url``."""

    def __init__(self, url: str, reason: str = "") -> None:
        self.url = url
        detail = f" ({reason})" if reason else ""
        super().__init__(f"API nicht erreichbar unter {url}{detail}")


class ApiError(ConsoleError):
    """The API answered ``status`` with its error ``code`` and ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{_prefix(status)}: {message}")


class LoginFailed(ApiError):
    """Wrong username or password."""

    def __init__(self, message: str = "Benutzername oder Passwort falsch.") -> None:
        super().__init__(401, "not_authenticated", message)

    def __str__(self) -> str:
        return self.message


class SessionExpired(ApiError):
    """The token is no longer accepted."""

    def __init__(self, message: str = "Sitzung abgelaufen") -> None:
        super().__init__(401, "token_expired", message)

    def __str__(self) -> str:
        return "Sitzung abgelaufen. Bitte melden Sie sich erneut an."


class Forbidden(ApiError):
    """The role may not do this."""

    def __str__(self) -> str:
        return f"Keine Berechtigung: {self.message}"


def _prefix(status: int) -> str:
    if status == 404:
        return "Nicht gefunden"
    if status == 409:
        return "Aktion nicht möglich"
    if status in (400, 422):
        return "Ungültige Eingabe"
    if status == 429:
        return "Zu viele Anfragen, bitte kurz warten"
    if status >= 500:
        return f"Serverfehler ({status})"
    return f"Fehler ({status})"
