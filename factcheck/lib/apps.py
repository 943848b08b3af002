"""``factcheck.lib`` as an installed app, for what must be wired in every process: the
receivers that retire cached answers when what they rest on changes
(:mod:`factcheck.lib.stamps`). It has no models of its own (``factcheck/lib/models.py``
holds abstract bases only)."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FactcheckLibConfig(AppConfig):
    name = "factcheck.lib"
    label = "factcheck_lib"
    verbose_name = "Shared helpers"

    def ready(self) -> None:
        from factcheck.lib.authz import connect_signals
        from factcheck.lib.published import site_content_changed
        from factcheck.lib.stamps import SITE, retire_all

        connect_signals()
        site_content_changed.connect(SITE.retire, dispatch_uid="stamps-site")
        post_migrate.connect(retire_all, dispatch_uid="stamps-migrate")
