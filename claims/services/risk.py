"""Evidence at risk on published verdicts. Link health is the sources app's; when a link's
risk to the evidence resting on it flips (``sources.signals.links_changed`` with
``risk_changed``), every published claim resting on it gets one audit event, shown in its
history (the flag itself is read live: ``claims.links.evidence_at_risk``). The editors' daily
digest e-mails them the published verdicts whose evidence is at risk and the claims changed
since checked (``wording.py``: a new revision changed a checked claim's sentence).

Also the claims app's side of the sources registry: when a domain changes owner, the links on
it move to the new source (``sources.signals.links_attached``) and their evidence follows.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import ngettext

from audit.services import audit_record
from claims import links as link_reads
from claims import selectors as claim_reads
from claims.models import Evidence
from sources.models import Link, LinkState

__all__ = ["evidence_at_risk_digest_send", "evidence_risk_changed"]

OVERRIDE_PERMISSION = "sources.override_link"
PUBLISH_PERMISSION = "claims.publish_claim"


def evidence_risk_changed(link: Link, *, at_risk: bool) -> int:
    """Flag (or clear) the published verdicts whose evidence rests on ``link``: one audit
    event per claim (target = the link). Returns how many claims were affected."""
    claims = link_reads.claims_with_published_evidence_on(link=link)
    why = (
        f"link {link.url} is dead"
        if link.effective_state == LinkState.DEAD
        else f"link {link.url} now leads to another site ({link.moved_to_host})"
    )
    for claim in claims:
        audit_record(
            action="sources.evidence.at_risk" if at_risk else "sources.evidence.recovered",
            actor=None,
            claim=claim,
            target=link,
            changes={"link_state": link.effective_state, "moved_to_host": link.moved_to_host},
            message=(
                f"Evidence at risk: {why}."
                + (f" Archived copy: {link.archive_url}" if link.archive_url else "")
                if at_risk
                else f"Evidence no longer at risk: link {link.url} is {link.effective_state}."
            ),
        )
    return len(claims)


# The claims changed since checked listed in one digest (the count names them all).
DIGEST_CHANGED_LIMIT = 50


def _editors(*perms: str):
    """Active users with an e-mail address and any of ``perms``."""
    User = get_user_model()
    return [
        user
        for user in User.objects.filter(is_active=True).exclude(email="").order_by("pk")
        if any(user.has_perm(perm) for perm in perms)
    ]


def evidence_at_risk_digest_send(*, now: datetime | None = None) -> int:
    """The editors' daily digest: e-mail every editor the published verdicts whose evidence
    is at risk (to those who may override links) and the claims changed since checked (to
    those who may publish: ``/review/changed/``). Sends nothing to whom neither list has
    anything. Returns the number of messages sent."""
    now = now or timezone.now()
    recipients = _editors(OVERRIDE_PERMISSION, PUBLISH_PERMISSION)
    if not recipients:
        return 0
    items = link_reads.evidence_at_risk(user=recipients[0])
    changed = claim_reads.claims_changed_since_checked(user=recipients[0])
    changed_count = changed.count()
    changed_rows = (
        claim_reads.changed_claim_rows(user=recipients[0], claims=changed[:DIGEST_CHANGED_LIMIT])
        if changed_count
        else []
    )
    messages = []
    for user in recipients:
        mine = items if user.has_perm(OVERRIDE_PERMISSION) else []
        mine_changed = changed_count if user.has_perm(PUBLISH_PERMISSION) else 0
        if not mine and not mine_changed:
            continue
        parts = []
        if mine:
            parts.append(
                ngettext(
                    "%(count)s published verdict with evidence at risk",
                    "%(count)s published verdicts with evidence at risk",
                    len(mine),
                )
                % {"count": len(mine)}
            )
        if mine_changed:
            parts.append(
                ngettext(
                    "%(count)s claim changed since checked",
                    "%(count)s claims changed since checked",
                    mine_changed,
                )
                % {"count": mine_changed}
            )
        subject = f"[{settings.FACTCHECK_SITE_NAME}] " + "; ".join(parts)
        body = render_to_string(
            "claims/evidence_at_risk_digest.txt",
            {
                "items": mine,
                "changed_count": mine_changed,
                "changed": changed_rows if mine_changed else [],
                "now": now,
                "site_name": settings.FACTCHECK_SITE_NAME,
            },
        )
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    if not messages:
        return 0
    return send_mass_mail(messages, fail_silently=False)


# ------------------------------------------------------------------ signal receivers


def on_links_changed(sender, *, links, risk_changed, **kwargs) -> None:
    by_pk = {link.pk: link for link in links}
    for pk, at_risk in risk_changed.items():
        evidence_risk_changed(by_pk[pk], at_risk=at_risk)


def on_links_attached(sender, *, hosts, source_id, **kwargs) -> int:
    """Evidence follows its link to the link's new source; returns how many rows moved."""
    return (
        Evidence.objects.filter(link__host__in=list(hosts))
        .exclude(source_id=source_id)
        .update(source_id=source_id, updated_at=timezone.now())
    )
