"""Integrations of GovBot into other chat platforms, talking to the GovBot HTTP API.

- ``govbot_api``: an async client of GovBot's citizen API (the only place that speaks HTTP).
- ``rasa_responses``: how a GovBot answer becomes Rasa bot messages (German / English texts).
- ``rasa_actions``: the Rasa custom actions ``action_govbot_answer`` and
  ``action_govbot_handoff`` and the rasa-sdk action server that runs them (issue #7).
"""
