from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The desk's one history: every app records its changes here (the bottom layer above
    ``factcheck``: it imports nothing of the other apps)."""

    name = "audit"
    verbose_name = _("Audit log")
