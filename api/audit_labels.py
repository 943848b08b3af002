"""What the API's audit action codes mean (registered with ``audit.actions`` in
``ApiConfig.ready``). Codes are stored in histories: never rename one."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "api.token.created": _("created an API token"),
    "api.token.revoked": _("revoked an API token"),
    "api.webhook.created": _("registered a webhook endpoint"),
    "api.webhook.enabled": _("enabled a webhook endpoint"),
    "api.webhook.disabled": _("disabled a webhook endpoint"),
    "api.webhook.auto_disabled": _("disabled a webhook endpoint after failed deliveries"),
    "api.webhook.test_sent": _("sent a test event to a webhook endpoint"),
}
