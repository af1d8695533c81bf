"""GovBot eval package."""
