from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Desk: team, dashboard and policy")

    def ready(self) -> None:
        from audit import actions
        from desk.audit_labels import LABELS

        actions.register(LABELS)
