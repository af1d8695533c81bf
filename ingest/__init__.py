"""GovBot ingest package."""
