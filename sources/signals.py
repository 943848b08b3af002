"""What sources tells the apps above it: the one documented hook of link health.

The sources app knows links and publishers, not what rests on them (claims, evidence,
published pages). When it changes something they may care about, it sends one of these
signals inside the transaction of the change; receivers (the claims app, the reader site)
connect in their ``AppConfig.ready()``. Receivers run synchronously, in that transaction:
whatever they write commits or rolls back with the change; work for after the commit they
schedule with ``transaction.on_commit``.

``links_changed``
    ``sender=Link, links=[Link, ...], risk_changed={link_pk: now_at_risk}``: the links'
    health as people see it changed (state, a move to another site, an editor's override,
    an archived copy found). ``risk_changed`` names the links whose risk to the evidence
    resting on them flipped (dead as shown, or moved to another site unconfirmed); the
    claims app flags or clears the published verdicts concerned.

``links_attached``
    ``sender=Link, hosts=[host, ...], source_id=int | None``: the links on these hosts now
    belong to this source (or none). Receivers return how many of their own rows they
    attached again (the claims app: evidence), which the registry reports.
"""

from __future__ import annotations

from django.dispatch import Signal

links_changed = Signal()
links_attached = Signal()
