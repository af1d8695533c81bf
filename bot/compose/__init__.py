"""Composing an answer from the chosen service: extractive (excerpts) or generated (prompt,
LLM, grounding check). No web framework and no database here (pyproject.toml contracts)."""
