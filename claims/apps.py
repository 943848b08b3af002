from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = gettext_lazy("Claims and verdicts")

    def ready(self) -> None:
        # Project-wide system checks (factcheck.E00x) are registered on import.
        import factcheck.checks  # noqa: F401
        from audit import actions
        from claims.audit_labels import LABELS, PARTS
        from factcheck.lib.roles import roles_sync_after_migrate

        actions.register(LABELS)
        actions.register_parts(PARTS)
        # The claims app's side of sources' hooks: what rests on links (its pages' panels and
        # counts), flags on published verdicts when a link's risk flips, evidence following
        # its link to a new source.
        from claims import links
        from claims.services import risk
        from sources import usage
        from sources.signals import links_attached, links_changed

        usage.register(links.ClaimsLinkUsage())
        links_changed.connect(risk.on_links_changed, dispatch_uid="claims.evidence_risk")
        links_attached.connect(risk.on_links_attached, dispatch_uid="claims.evidence_sources")
        # Snapshots for evidence cited before snapshots existed (autodiscovery reads only
        # claims.tasks).
        from claims import snapshot_tasks  # noqa: F401

        # Groups and their permissions follow the code after every migrate (idempotent).
        post_migrate.connect(roles_sync_after_migrate, sender=self)
