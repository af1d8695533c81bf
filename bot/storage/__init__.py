"""Relational storage: tables, engine/migrations and the repository (crud)."""
