"""What the sources app's audit action codes mean (registered with ``audit.actions`` in
``SourcesConfig.ready``). Codes are stored in histories: never rename one."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "sources.link.state_changed": _("recorded a change of link state"),
    "sources.link.overridden": _("overrode a link's state"),
    "sources.link.override_cleared": _("cleared a link's override"),
    "sources.link.check_requested": _("asked for a link check"),
    "sources.link.edited": _("edited a link in the admin"),
    "sources.link.archived_copy_found": _("found an archived copy of a link"),
    "sources.link.archived": _("had the archive save a copy of a cited page"),
    "sources.source.created": _("registered a source"),
    "sources.source.updated": _("changed a source"),
    "sources.source.domains_changed": _("changed a source's domains"),
    "sources.source.rating_changed": _("changed a source's reliability rating"),
    "sources.source.deleted": _("deleted a source"),
    "sources.source.imported": _("imported sources from a CSV file"),
}
