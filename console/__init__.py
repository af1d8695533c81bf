"""GovBot console package."""
