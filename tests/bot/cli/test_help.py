"""Every ``govbot`` command, argument and option says what it is for in ``--help``
(the command groups of ingest, eval and bench included, as the console script adds them)."""

from __future__ import annotations

from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command
from typer.testing import CliRunner

from bot.cli.app import app, register_plugins

register_plugins(app)
ROOT = get_command(app)


def _tree() -> list[tuple[str, object]]:
    """``(command path, click command)`` of the root and every command below it."""
    found: list[tuple[str, object]] = []
    pending: list[tuple[str, object]] = [("govbot", ROOT)]
    while pending:
        path, command = pending.pop()
        found.append((path, command))
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                pending.append((f"{path} {name}", sub))
    return found


def test_the_tree_holds_every_command_group() -> None:
    paths = {path for path, _ in _tree()}
    assert {"govbot ingest dldb", "govbot eval false-alarms", "govbot bench chat"} <= paths
    assert len(paths) >= 50


def test_every_command_argument_and_option_has_help_text() -> None:
    missing = []
    for path, command in _tree():
        if not (getattr(command, "help", None) or "").strip():
            missing.append(path)
        for param in getattr(command, "params", []):
            documented = (getattr(param, "help", None) or "").strip()
            if isinstance(param, TyperOption | TyperArgument) and param.name != "help":
                missing += [] if documented else [f"{path} {param.name}"]
    assert missing == []


def test_help_of_a_nested_command_renders() -> None:
    result = CliRunner().invoke(app, ["eval", "build-pools", "--help"])
    assert result.exit_code == 0
    assert "the project's eval/pools" in result.output
