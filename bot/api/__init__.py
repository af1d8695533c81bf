"""The HTTP edge of GovBot (FastAPI): routes, schemas, dependencies, errors, middleware."""
