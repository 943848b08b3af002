"""Writes of the sources app, by sub-domain (``from sources.services import X`` as before):

- ``links``: link health (checks recorded, work claimed and enqueued, overrides, digests);
- ``registry``: sources, their domains and ratings, links and evidence attached by domain;
- ``importing``: CSV import of sources (dry run, then all or nothing).
"""

from sources.services import importing, links, registry
from sources.services.importing import *  # noqa: F403
from sources.services.links import *  # noqa: F403
from sources.services.links import (
    OVERRIDE_PERMISSION,
    OVERRIDE_STATES,
    RunReport,
    link_policy,
)
from sources.services.registry import *  # noqa: F403

__all__ = [
    "OVERRIDE_PERMISSION",
    "OVERRIDE_STATES",
    "RunReport",
    "importing",
    "link_policy",
    "links",
    "registry",
    *importing.__all__,
    *links.__all__,
    *registry.__all__,
]
