"""What the reader site's audit action codes mean (registered with ``audit.actions`` in
``ReaderConfig.ready``). Codes are stored in histories: never rename one."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "reader.site_page.edited": _(
        "edited a public page about the desk (about, methodology, policy)"
    ),
}
