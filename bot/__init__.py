"""GovBot bot package."""
