"""What the claims app reads about links: the evidence at risk on published verdicts, and its
answers to the sources pages' questions (``sources.usage``: where a link is used, how much
evidence a source backs). Reads only; the flags and the digest are ``claims.services.risk``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from claims.models import CitedLink, Claim, Evidence, Verdict
from sources import usage
from sources.models import Link
from sources.selectors import risky_links

# ----------------------------------------------------------------------- evidence at risk


def published_verdicts() -> QuerySet[Verdict]:
    return Verdict.objects.filter(state=Verdict.State.PUBLISHED)


def claims_with_published_evidence_on(*, link: Link) -> list[Claim]:
    """Claims with a published verdict and evidence on ``link`` (for flagging them)."""
    return list(
        Claim.objects.filter(evidence__link=link, verdicts__in=published_verdicts())
        .select_related("article")
        .distinct()
        .order_by("pk")
    )


@dataclass
class AtRisk:
    """A published verdict and the evidence links of its claim that are at risk."""

    verdict: Verdict
    evidence: list

    @property
    def claim(self):
        return self.verdict.claim


def evidence_at_risk_verdicts(*, user) -> QuerySet[Verdict]:
    """Published verdicts (visible to ``user``) resting on evidence at risk; each carries
    ``claim.evidence_at_risk`` (evidence rows with their link). Four queries in all."""
    risky = risky_links()
    return (
        Verdict.objects.visible_to(user)
        .filter(state=Verdict.State.PUBLISHED)
        .filter(Exists(Evidence.objects.filter(claim=OuterRef("claim"), link__in=risky)))
        .select_related("claim", "claim__article", "rating")
        .prefetch_related(
            Prefetch(
                "claim__evidence",
                queryset=Evidence.objects.filter(link__in=risky)
                .select_related("link")
                .order_by("pk"),
                to_attr="evidence_at_risk",
            )
        )
        .order_by("-published_at", "-pk")
    )


def evidence_at_risk(*, user) -> list[AtRisk]:
    """The published verdicts whose evidence is at risk, with the evidence concerned."""
    return [
        AtRisk(verdict=verdict, evidence=verdict.claim.evidence_at_risk)
        for verdict in evidence_at_risk_verdicts(user=user)
    ]


# ----------------------------------------------------------------------- the sources pages


def link_citations(*, user, link: Link, limit: int = 20) -> dict:
    """Where the link is used: articles citing it and evidence resting on it."""
    cited = (
        CitedLink.objects.visible_to(user)
        .filter(link=link)
        .select_related("article", "claim")
        .order_by("-article__created_at", "pk")[:limit]
    )
    evidence = (
        Evidence.objects.visible_to(user)
        .filter(link=link)
        .select_related("claim", "claim__article")
        .annotate(published=Exists(published_verdicts().filter(claim=OuterRef("claim"))))
        .order_by("-created_at", "pk")[:limit]
    )
    return {"cited": list(cited), "evidence": list(evidence)}


def source_evidence(*, user, source, limit: int = 20) -> list[Evidence]:
    """The latest evidence from a source, with the rating it was added under and whether its
    claim's verdict is published."""
    return list(
        Evidence.objects.visible_to(user)
        .filter(source=source)
        .select_related("claim", "link", "source_rating")
        .annotate(published=Exists(published_verdicts().filter(claim=OuterRef("claim"))))
        .order_by("-created_at", "-pk")[:limit]
    )


class ClaimsLinkUsage(usage.LinkUsage):
    """The claims app's answers to the sources pages (registered in ``ClaimsConfig.ready``)."""

    def published_use(self):
        return Exists(
            Evidence.objects.filter(link=OuterRef("pk"), claim__verdicts__in=published_verdicts())
        )

    def counts_by_source(self, *, user, source_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """Three grouped queries whatever the number of sources."""
        ids = list(source_ids)
        found: dict[int, dict[str, int]] = {}
        if not ids:
            return found
        counts = {
            "citations": (CitedLink.objects.visible_to(user), "link__source_id", False),
            "evidence": (Evidence.objects.visible_to(user), "source_id", False),
            "verdicts": (
                Verdict.objects.visible_to(user).filter(state=Verdict.State.PUBLISHED),
                "claim__evidence__source_id",
                True,  # a verdict resting on two pieces of evidence from one source counts once
            ),
        }
        for name, (queryset, source_field, distinct) in counts.items():
            rows = (
                queryset.filter(**{f"{source_field}__in": ids})
                .values(source_field)
                .annotate(total=Count("pk", distinct=distinct))
                .order_by()
            )
            for row in rows:
                found.setdefault(row[source_field], {})[name] = row["total"]
        return found

    def counts_by_unowned_host(self, *, user) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for model, name in ((CitedLink, "citations"), (Evidence, "evidence")):
            rows = (
                model.objects.visible_to(user)
                .filter(link__source__isnull=True)
                .exclude(link__host="")
                .values("link__host")
                .annotate(total=Count("pk"))
                .order_by()
            )
            for row in rows:
                found.setdefault(row["link__host"], {})[name] = row["total"]
        return found

    def link_panel(self, *, request, link) -> str:
        return render_to_string(
            "claims/_link_usage.html",
            {"citations": link_citations(user=request.user, link=link)},
            request=request,
        )

    def source_panel(self, *, request, source) -> str:
        return render_to_string(
            "claims/_source_evidence.html",
            {"evidence": source_evidence(user=request.user, source=source)},
            request=request,
        )

    def link_tabs(self, *, request) -> list[usage.Tab]:
        if not request.user.has_perm("sources.override_link"):
            return []
        return [usage.Tab("at_risk", _("Evidence at risk"), reverse("claims:evidence_at_risk"))]
