"""Evidence at risk: a link is a risk to the evidence resting on it when it is dead (as
shown, so an editor's override decides) or has moved to another site unconfirmed. A change
either way writes one audit event per published claim resting on the link (the flag itself is
read live by ``sources.selectors.evidence_at_risk``), and a daily digest e-mails every editor
the published verdicts whose evidence is at risk.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils import timezone

from sources.models import Link, LinkState
from sources.services._common import OVERRIDE_PERMISSION, _audit

__all__ = ["evidence_at_risk_digest_send"]


def _at_risk(link: Link) -> bool:
    """Whether evidence resting on this link is at risk: dead (as shown, so an editor's
    override decides), or moved to another site and not confirmed by an editor."""
    if link.effective_state == LinkState.DEAD:
        return True
    return bool(link.moved_to_host) and not link.is_overridden


def _evidence_risk_changed(link: Link, *, at_risk: bool) -> int:
    """Flag (or clear) the published verdicts whose evidence rests on ``link``: one audit
    event per claim, shown in its history; the flag itself is read live by
    ``sources.selectors.evidence_at_risk``. Returns how many claims were affected."""
    from sources import selectors

    claims = selectors.claims_with_published_evidence_on(link=link)
    why = (
        f"link {link.url} is dead"
        if link.effective_state == LinkState.DEAD
        else f"link {link.url} now leads to another site ({link.moved_to_host})"
    )
    for claim in claims:
        _audit(
            action="sources.evidence.at_risk" if at_risk else "sources.evidence.recovered",
            link=link,
            actor=None,
            claim=claim,
            changes={"link_state": link.effective_state, "moved_to_host": link.moved_to_host},
            message=(
                f"Evidence at risk: {why}."
                + (f" Archived copy: {link.archive_url}" if link.archive_url else "")
                if at_risk
                else f"Evidence no longer at risk: link {link.url} is {link.effective_state}."
            ),
        )
    return len(claims)


def _editors():
    User = get_user_model()
    return [
        user
        for user in User.objects.filter(is_active=True).exclude(email="").order_by("pk")
        if user.has_perm(OVERRIDE_PERMISSION)
    ]


def evidence_at_risk_digest_send(*, now: datetime | None = None) -> int:
    """E-mail every editor the list of published verdicts whose evidence is at risk.
    Sends nothing when there is none. Returns the number of messages sent."""
    from sources import selectors

    now = now or timezone.now()
    recipients = _editors()
    if not recipients:
        return 0
    items = selectors.evidence_at_risk(user=recipients[0])
    if not items:
        return 0
    subject = (
        f"[{settings.FACTCHECK_SITE_NAME}] {len(items)} published "
        f"verdict{'s' if len(items) != 1 else ''} with evidence at risk"
    )
    body = render_to_string(
        "sources/evidence_at_risk_digest.txt",
        {"items": items, "now": now, "site_name": settings.FACTCHECK_SITE_NAME},
    )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]) for user in recipients]
    return send_mass_mail(messages, fail_silently=False)
