"""Reading a YAML file of example messages into its pydantic model: the semantic net's
emergency examples (emergency.py) and the message classifiers' training examples
(eval/danger_training.py, eval/verdict_training.py), with one clear error for a missing,
malformed or invalid file."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.errors import ConfigurationError

T = TypeVar("T", bound=BaseModel)


def read_examples(model: type[T], path: Path, *, name: str) -> T:
    """The file at ``path`` as ``model``; ``name`` says what it holds in the error
    ("the verdict examples")."""
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"cannot read {name} {path}: {exc}") from exc
