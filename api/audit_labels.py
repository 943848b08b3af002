"""What the API's audit action codes mean (registered with ``audit.actions`` in
``ApiConfig.ready``). Codes are stored in histories: never rename one."""

LABELS = {
    "api.token.created": "created an API token",
    "api.token.revoked": "revoked an API token",
}
