"""Citizen-facing texts."""
