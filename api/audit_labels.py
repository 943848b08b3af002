"""What the API's audit action codes mean (registered with ``audit.actions`` in
``ApiConfig.ready``). Codes are stored in histories: never rename one."""

LABELS = {
    "api.token.created": "created an API token",
    "api.token.revoked": "revoked an API token",
    "api.webhook.created": "registered a webhook endpoint",
    "api.webhook.enabled": "enabled a webhook endpoint",
    "api.webhook.disabled": "disabled a webhook endpoint",
    "api.webhook.auto_disabled": "disabled a webhook endpoint after failed deliveries",
    "api.webhook.test_sent": "sent a test event to a webhook endpoint",
}
