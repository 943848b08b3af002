from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = _("Sources and link health")

    def ready(self) -> None:
        from audit import actions
        from factcheck.lib.health import health_check_register
        from sources.audit_labels import LABELS
        from sources.selectors import link_checker_health

        actions.register(LABELS)
        # /healthz: the checker's own outage degrades the service (200), never takes it down.
        health_check_register("link_checker", link_checker_health)
        # Evidence snapshots' jobs (autodiscovery reads only sources.tasks).
        from sources import snapshot_tasks  # noqa: F401
