"""Evidence at risk, as far as links go: a link is a risk to the evidence resting on it when
it is dead (as shown, so an editor's override decides) or has moved to another site
unconfirmed. The services that change a link's health tell the apps above through
``sources.signals.links_changed``, naming the links whose risk flipped; the claims app flags
(or clears) the published verdicts concerned and e-mails editors a daily digest.
"""

from __future__ import annotations

from sources.models import Link, LinkState
from sources.signals import links_changed

__all__: list[str] = []


def _at_risk(link: Link) -> bool:
    """Whether evidence resting on this link is at risk: dead (as shown, so an editor's
    override decides), or moved to another site and not confirmed by an editor."""
    if link.effective_state == LinkState.DEAD:
        return True
    return bool(link.moved_to_host) and not link.is_overridden


def _links_changed(link: Link, *, was_at_risk: bool) -> None:
    """Tell the apps above that the link's health as shown changed (inside the transaction of
    the change), and whether its risk to the evidence resting on it flipped."""
    now_at_risk = _at_risk(link)
    risk_changed = {link.pk: now_at_risk} if now_at_risk != was_at_risk else {}
    links_changed.send(sender=Link, links=[link], risk_changed=risk_changed)
