"""What the sources app's audit action codes mean (registered with ``audit.actions`` in
``SourcesConfig.ready``). Codes are stored in histories: never rename one."""

LABELS = {
    "sources.link.state_changed": "recorded a change of link state",
    "sources.link.overridden": "overrode a link's state",
    "sources.link.override_cleared": "cleared a link's override",
    "sources.link.check_requested": "asked for a link check",
    "sources.link.edited": "edited a link in the admin",
    "sources.link.archived_copy_found": "found an archived copy of a link",
    "sources.link.archived": "had the archive save a copy of a cited page",
    "sources.source.created": "registered a source",
    "sources.source.updated": "changed a source",
    "sources.source.domains_changed": "changed a source's domains",
    "sources.source.rating_changed": "changed a source's reliability rating",
    "sources.source.deleted": "deleted a source",
    "sources.source.imported": "imported sources from a CSV file",
}
