"""Writes of the sources app, by sub-domain (``from sources.services import X`` as before):

- link health: ``queueing`` (links claimed, enqueued and swept), ``checking`` (a batch of
  checks run), ``recording`` (one check stored, the policy applied), ``outage`` (the
  checker's own outage told from dead links), ``overrides`` (editors' overrides and "check
  now"), ``archive`` (archived copies looked up), ``risk`` (whether a link puts evidence at
  risk; changes told to the apps above through ``sources.signals``), ``housekeeping`` (old
  checks pruned), ``links`` (the one get-or-create of a ``Link`` for a URL, safe against two
  requests creating it at once);
- ``registry``: sources, their domains and ratings, links attached by domain (the apps above
  attach their own rows through ``sources.signals.links_attached``);
- ``importing``: CSV import of sources (dry run, then a job applying it in batches).
"""

from sources import policy as link_policy
from sources.services import (
    archive,
    checking,
    housekeeping,
    importing,
    links,
    outage,
    overrides,
    queueing,
    recording,
    registry,
    risk,
)
from sources.services._common import OVERRIDE_PERMISSION
from sources.services.archive import *  # noqa: F403
from sources.services.checking import *  # noqa: F403
from sources.services.checking import RunReport
from sources.services.housekeeping import *  # noqa: F403
from sources.services.importing import *  # noqa: F403
from sources.services.links import *  # noqa: F403
from sources.services.outage import *  # noqa: F403
from sources.services.overrides import *  # noqa: F403
from sources.services.overrides import OVERRIDE_STATES
from sources.services.queueing import *  # noqa: F403
from sources.services.recording import *  # noqa: F403
from sources.services.registry import *  # noqa: F403
from sources.services.risk import *  # noqa: F403

__all__ = [
    "OVERRIDE_PERMISSION",
    "OVERRIDE_STATES",
    "RunReport",
    "archive",
    "checking",
    "housekeeping",
    "importing",
    "link_policy",
    "links",
    "outage",
    "overrides",
    "queueing",
    "recording",
    "registry",
    "risk",
    *archive.__all__,
    *checking.__all__,
    *housekeeping.__all__,
    *importing.__all__,
    *links.__all__,
    *outage.__all__,
    *overrides.__all__,
    *queueing.__all__,
    *recording.__all__,
    *registry.__all__,
    *risk.__all__,
]
