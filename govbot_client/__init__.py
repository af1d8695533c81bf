"""The GovBot API's JSON models and a typed HTTP client, shared by the API and its clients.

    citizen.py   requests and responses of /api/v1/conversations… and the error shape
    staff.py     responses of /api/v1/staff/… (handoffs, answer log, review, knowledge,
                 insights, audit, evaluation runs) and /health
    trace.py     the answer trace (typed, versioned) inside the staff answer log
    client.py    AsyncGovBotClient (citizen API) and GovBotClient (sync transport)

Why a package of its own (issue 11, item 5): the response models used to be written three
times (bot/api/schemas.py, console/models.py, bot/integrations/govbot_api.py) and had
drifted apart. The console may import nothing of bot/ (it talks to the API over HTTP
only), so the models cannot live in bot/; generating client models from the OpenAPI
schema would need a generator, a generated file to keep in step and a check that it
is. Instead the one definition lives here: bot/api serves these models, the console,
the Rasa actions and ``govbot bench`` parse the API's JSON with them, and
tests/govbot_client/test_schema.py checks that the OpenAPI schema the API publishes is
the one these models produce. This package imports nothing of ours (import-linter
contract), only pydantic and httpx, so any client can depend on it alone.

Responses ignore unknown fields, so a client keeps working against a newer API that
adds fields; the HTTP JSON is unchanged by the move.
"""
