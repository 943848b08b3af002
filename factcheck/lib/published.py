"""The hook through which any app says "something every public page may show changed".

Rating levels' labels and colours, publishers' names, topics and reviewers' names appear on
published pages. The app that changes one calls :func:`site_changed` inside its transaction;
the reader site (which keeps rendered pages in a cache) listens to :data:`site_content_changed`
and refreshes every page once the transaction commits. The sender never needs to know who
listens, so apps below the reader site can say it without importing it.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with no arguments but ``sender`` (the model class or app that changed).
site_content_changed = Signal()


def site_changed(sender=None) -> None:
    """Tell the listeners that every public page may be stale (call inside the change's
    transaction: they act once it commits)."""
    site_content_changed.send(sender=sender)
