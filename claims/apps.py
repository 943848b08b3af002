from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and verdicts"

    def ready(self) -> None:
        # Project-wide system checks (factcheck.E00x) are registered on import.
        import factcheck.checks  # noqa: F401
        from factcheck.lib.roles import roles_sync_after_migrate

        # Groups and their permissions follow the code after every migrate (idempotent).
        post_migrate.connect(roles_sync_after_migrate, sender=self)
