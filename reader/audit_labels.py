"""What the reader site's audit action codes mean (registered with ``audit.actions`` in
``ReaderConfig.ready``). Codes are stored in histories: never rename one."""

LABELS = {
    "reader.site_page.edited": "edited a public page about the desk (about, methodology, policy)",
}
