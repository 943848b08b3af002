"""``factcheck.lib`` as an installed app, for what must be wired in every process: the
receivers that retire cached answers when what they rest on changes
(:mod:`factcheck.lib.stamps`), and the language chosen at log-in
(:mod:`factcheck.lib.languages`). Its one table is each person's interface language
(``LanguagePreference``); ``factcheck/lib/models.py`` also holds the apps' abstract bases."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FactcheckLibConfig(AppConfig):
    name = "factcheck.lib"
    label = "factcheck_lib"
    verbose_name = _("Shared helpers")

    def ready(self) -> None:
        import factcheck.lib.languages  # noqa: F401  (the log-in receiver)
        from factcheck.lib.authz import connect_signals
        from factcheck.lib.published import site_content_changed
        from factcheck.lib.stamps import SITE, retire_all

        connect_signals()
        site_content_changed.connect(SITE.retire, dispatch_uid="stamps-site")
        post_migrate.connect(retire_all, dispatch_uid="stamps-migrate")
