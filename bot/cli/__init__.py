"""The ``govbot`` command line, one module per command group (``app`` is the root)."""

from bot.cli.app import main

__all__ = ["main"]
