from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and verdicts"

    def ready(self) -> None:
        # Project-wide system checks (factcheck.E00x) are registered on import.
        import factcheck.checks  # noqa: F401
        from audit import actions
        from claims.audit_labels import LABELS
        from factcheck.lib.roles import roles_sync_after_migrate

        actions.register(LABELS)
        # Groups and their permissions follow the code after every migrate (idempotent).
        post_migrate.connect(roles_sync_after_migrate, sender=self)
