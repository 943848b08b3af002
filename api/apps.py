from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The newsrooms' REST API under ``/api/v1/``: published fact-checks for anyone, the
    desk's claims, articles, links and sources for its members (with an API token), "checked
    before?" and article ingestion. It serves what the reader site and the workbench serve,
    through their selectors and services (docs/architecture.md, "The REST API")."""

    name = "api"
    verbose_name = _("REST API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api import schema  # noqa: F401 (registers the token scheme with the schema)
        from api.audit_labels import LABELS
        from audit import actions

        actions.register(LABELS)

        from django.db.models.signals import post_save
        from django.urls import reverse

        from api import webhooks
        from audit.models import AuditEvent
        from reader import embeds

        # The reader's claim pages announce this API's oEmbed endpoint (oEmbed discovery).
        embeds.oembed_path = lambda: reverse("api:oembed")

        # Webhooks hear the changes they tell of from the audit log (api.webhooks).
        post_save.connect(
            webhooks.on_audit_event, sender=AuditEvent, dispatch_uid="api.webhooks.audit"
        )
