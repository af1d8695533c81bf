"""The dialogue: classify a message (policy, emergency check), rank the services found and
decide the answer (engine). No web framework and no database here (pyproject.toml contracts)."""
