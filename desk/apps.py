from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = "Desk: team, dashboard and policy"

    def ready(self) -> None:
        from audit import actions
        from desk.audit_labels import LABELS

        actions.register(LABELS)
