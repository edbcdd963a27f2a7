"""The serverless pipeline's use cases (dispatch, scan, publish) and their configuration.

Handlers in functions/*/app.py only parse events and call these; clients are built in
sfscan.pipeline.runtime (the one composition root)."""
