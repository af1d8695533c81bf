"""GovBot's knowledge layer: domain model, embedders, BM25 and the Qdrant index.

This package imports nothing else of GovBot (enforced by import-linter).
"""
