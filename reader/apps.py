from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReaderConfig(AppConfig):
    """The public reader site: published fact-checks only, cached per published version.
    It sits on top of claims and listens to the apps below it to keep its pages true."""

    name = "reader"
    verbose_name = _("Reader site")

    def ready(self) -> None:
        from audit import actions
        from claims import hooks
        from claims.signals import published_changed
        from factcheck.lib.published import site_content_changed
        from reader import selectors, services
        from reader.audit_labels import LABELS
        from sources.signals import links_changed

        published_changed.connect(services.on_published_changed, dispatch_uid="reader.pages")
        links_changed.connect(services.on_links_changed, dispatch_uid="reader.links")
        site_content_changed.connect(services.on_site_content_changed, dispatch_uid="reader.site")
        hooks.set_public_url(selectors.public_url)
        actions.register(LABELS)
