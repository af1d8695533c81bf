"""GovBot's exception tree.

    GovBotError                 base of every error meant for a user or operator
    ├── ConfigurationError      settings are missing, unsafe or contradictory
    ├── SourceError             a source file/directory cannot be read or parsed
    ├── UnknownTenantError      a tenant slug that the index or database does not know
    ├── InvalidQueryError       an empty, oversized or undecodable query
    ├── SearchIndexError        the index is missing, corrupt or busy
    │   ├── IndexNotFoundError      nothing has been ingested yet
    │   └── EmbedderMismatchError   index built with another embedder than configured
    ├── StorageError            the database is unavailable or refused a write
    └── LlmError                the language model endpoint failed, timed out or is cut off
                                by the circuit breaker (the bot then answers extractively)

Messages say what failed, with which value, and what to do next. Entry points
(CLI, HTTP exception handlers) turn these into exit codes and status codes.
"""

from __future__ import annotations


class GovBotError(Exception):
    """Base class of all errors GovBot reports to users and operators."""


class ConfigurationError(GovBotError):
    """Settings are missing, unsafe or contradictory."""


class SourceError(GovBotError):
    """A source (file, directory, export) cannot be read or parsed."""


class UnknownTenantError(GovBotError):
    """A tenant slug that is not known to the index or the database."""


class InvalidQueryError(GovBotError):
    """A query that is empty, too long or not valid text."""


class SearchIndexError(GovBotError):
    """The index is missing, corrupt or busy."""


class IndexNotFoundError(SearchIndexError):
    """No index has been built yet in the configured data directory."""


class EmbedderMismatchError(SearchIndexError):
    """The index was built with a different embedder than the one configured."""


class StorageError(GovBotError):
    """The database is unavailable or refused a write."""


class LlmError(GovBotError):
    """The OpenAI-compatible language model failed, timed out or its circuit breaker is open."""
