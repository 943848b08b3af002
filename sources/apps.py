from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and link health"

    def ready(self) -> None:
        from audit import actions
        from sources.audit_labels import LABELS

        actions.register(LABELS)
