"""Integrations of GovBot into other chat platforms, talking to the GovBot HTTP API.

- HTTP goes through govbot_client's ``AsyncGovBotClient`` and the API's own models.
- ``rasa_responses``: how a GovBot answer becomes Rasa bot messages (German / English texts).
- ``rasa_actions``: the Rasa custom actions ``action_govbot_answer`` and
  ``action_govbot_handoff`` and the rasa-sdk action server that runs them (issue #7).
"""
