"""Reads of the reader site (``claims/views/public.py``, feeds, sitemap, ClaimReview export).

Every selector starts from ``visible_to(user)`` and then keeps what is *published*, whoever
asks: the reader site shows the desk's work in progress to nobody, reviewers included (they
have the workbench under ``/review/``). An article is public only once one of its claims is
published (``public_articles``): what the desk is investigating, and under which numbers, is
nobody's business before that. Each page is built in a fixed number of queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from audit.models import AuditEvent
from claims.models import (
    PUBLIC_ACTIONS,
    Appearance,
    Article,
    Claim,
    Claimant,
    Evidence,
    RatingLevel,
    RatingScale,
    Topic,
    Verdict,
)
from claims.selectors import article_segments, claim_text_search, text_blocks
from claims.wording import word_diff
from reader.models import SitePage
from reader.site_pages import DEFAULTS
from sources.models import Snapshot, Source

PUBLIC_VERDICT_STATES = (Verdict.State.PUBLISHED, Verdict.State.SUPERSEDED)
# ASCII digits, few enough for any database's integer (a longer number names nothing).
_KEY_RE = re.compile(r"([0-9]{1,18})(?:-.*)?", re.S)
_NUMBER_RE = re.compile(r"[0-9]{1,18}")


# ------------------------------------------------------------------------------ addresses


def claim_key(claim: Claim) -> str:
    """``12-the-city-spent-4-2-million``: the claim's number, then words of its text."""
    slug = slugify(claim.text)[:60].rstrip("-")
    if "-" in slug and len(slugify(claim.text)) > 60:
        slug = slug.rsplit("-", 1)[0]
    return f"{claim.pk}-{slug}" if slug else str(claim.pk)


def article_pk_from_key(key: str) -> int | None:
    """The article number an ``/articles/<key>/`` address names (``12``), or ``None`` for a
    slug (ASCII digits only, and few enough for any database's integer)."""
    return int(key) if _NUMBER_RE.fullmatch(key or "") else None


def claim_pk_from_key(key: str) -> int | None:
    """The claim number a ``/claims/<key>/`` address names (``12`` or ``12-any-words``)."""
    match = _KEY_RE.fullmatch(key or "")
    return int(match.group(1)) if match else None


def claim_path(claim: Claim) -> str:
    return reverse("reader:claim_page", kwargs={"key": claim_key(claim)})


def article_path(article: Article) -> str:
    return reverse("reader:article_detail", kwargs={"key": article.slug})


def public_url(obj) -> str | None:
    """The public address of an article once one of its claims is published, or of a claim
    once published (the reviewer pages link to it through ``claims.hooks``)."""
    if isinstance(obj, Article):
        public = obj.pk is not None and public_articles(user=None).filter(pk=obj.pk).exists()
        return article_path(obj) if public else None
    if isinstance(obj, Claim) and obj.status == Claim.Status.PUBLISHED:
        return claim_path(obj)
    return None


# ------------------------------------------------------------------------------- querysets


def _in_a_public_place(prefix: str = "") -> Q:
    """The claim is not from an article (entered by a reviewer), or from one readers may
    see: an article being stored or withdrawn shows nothing, whatever its claims' state."""
    return Q(**{f"{prefix}article__isnull": True}) | Q(
        **{f"{prefix}article__ingest_state": Article.IngestState.READY}
    )


def published_claims(*, user) -> QuerySet[Claim]:
    """Published claims readers may see (:func:`_in_a_public_place`)."""
    return (
        Claim.objects.visible_to(user)
        .filter(status=Claim.Status.PUBLISHED)
        .filter(_in_a_public_place())
    )


def public_articles(*, user) -> QuerySet[Article]:
    """The articles the reader site shows: those with at least one published claim (and so
    a published verdict). An article nobody has published a fact-check of is the desk's work
    in progress: no page (404, as for an article that does not exist), no sitemap entry, no
    filter choice (its publisher, its topics), whoever asks."""
    return Article.objects.visible_to(user).filter(
        Exists(published_claims(user=user).filter(article=OuterRef("pk")))
        # A published claim confirmed as made here too (an article appearance) counts.
        | Exists(
            Appearance.objects.filter(
                article=OuterRef("pk"),
                kind=Appearance.Kind.ARTICLE,
                claim__in=published_claims(user=user),
            )
        )
    )


def article_public_get(*, user, key: str) -> Article:
    """A public article by slug or number (raises ``Article.DoesNotExist`` for one that
    does not exist and for one with no published claim alike)."""
    articles = public_articles(user=user)
    number = article_pk_from_key(key)
    if number is not None:
        return articles.get(pk=number)
    return articles.get(slug=key)


def public_verdicts(*, user) -> QuerySet[Verdict]:
    """Every version readers may see (published and superseded ones of published claims of
    articles readers may see)."""
    return (
        Verdict.objects.visible_to(user)
        .filter(
            state__in=PUBLIC_VERDICT_STATES,
            published_at__isnull=False,
            claim__status=Claim.Status.PUBLISHED,
        )
        .filter(_in_a_public_place("claim__"))
    )


def fact_check_list(*, user) -> QuerySet[Verdict]:
    """The latest fact-checks: one row per published claim (its published version),
    newest first, with what a card shows (index ``verdict_public_latest_idx``)."""
    return (
        public_verdicts(user=user)
        .filter(state=Verdict.State.PUBLISHED)
        .select_related("claim", "claim__article", "claim__article__publisher", "rating")
        .defer(
            "rationale",
            "claim__prefix",
            "claim__suffix",
            "claim__article__text",
            "claim__article__raw_html",
        )
        .order_by("-published_at", "-id")
    )


def fact_check_search(queryset: QuerySet[Verdict], query: str) -> QuerySet[Verdict]:
    """Words of the claim (the reviewer queue's search: a GIN full-text index on
    PostgreSQL, word matching elsewhere) or of the verdict's summary."""
    query = (query or "").strip()[:200]
    if not query:
        return queryset
    matching = claim_text_search(Claim.objects.all(), query).values("pk")
    by_summary = Q()
    for word in query.split()[:10]:
        by_summary &= Q(summary__icontains=word.strip('"'))
    return queryset.filter(Q(claim_id__in=matching) | by_summary)


def filter_choices(*, user) -> dict:
    """What the home page's filters offer: ratings of the active scale (and any other
    rating a published verdict has), publishers and topics of articles with fact-checks."""
    published = published_claims(user=user)
    levels = list(
        RatingLevel.objects.visible_to(user)
        .filter(Q(scale__is_active=True) | Q(pk__in=published.values("rating_id")))
        .order_by("-scale__is_active", "scale_id", "position", "id")
    )
    seen, unique_levels = set(), []
    for level in levels:  # one entry per slug: the filter works by slug, across scales
        if level.slug not in seen:
            seen.add(level.slug)
            unique_levels.append(level)
    with_fact_checks = public_articles(user=user)
    publishers = list(
        Source.objects.filter(articles__in=with_fact_checks).distinct().order_by("name")
    )
    topics = list(
        Topic.objects.visible_to(user)
        .filter(articles__in=with_fact_checks)
        .distinct()
        .order_by("name")
    )
    return {"levels": unique_levels, "publishers": publishers, "topics": topics}


# ---------------------------------------------------------------------------- article page


@dataclass
class RatingCount:
    level: RatingLevel
    count: int


# How much of the article is quoted around a checked claim when the publisher does not
# allow the full text (characters each way, within the claim's paragraph, cut at a space).
EXCERPT_CONTEXT = 160


def article_page_context(*, user, article: Article) -> dict:
    """The article with its published claims highlighted (nothing unpublished is loaded).

    The full text is shown only when the publisher allows it (``article.may_republish``);
    otherwise each checked claim is quoted with a little of its paragraph around it
    (``claim.context_before`` / ``claim.context_after``) and the page links to the original."""
    current = Prefetch(
        "verdicts",
        queryset=public_verdicts(user=user)
        .filter(state=Verdict.State.PUBLISHED)
        .select_related("rating", "author", "approver"),
        to_attr="published_verdicts",
    )
    claims = [
        claim
        for claim in published_claims(user=user)
        .filter(article=article, is_orphaned=False)
        .prefetch_related(current)
        .order_by("start", "end", "id")
        if claim.published_verdicts
    ]
    for claim in claims:
        claim.verdict = claim.published_verdicts[0]
        checked_wording_attach(claim, claim.verdict)
    claims = sorted(
        claims + _appeared_here(user=user, article=article, current=current, skip=claims),
        key=lambda c: (c.start, c.end, c.pk),
    )
    for claim in claims:
        if not article.may_republish:
            claim.context_before, claim.context_after = quote_context(
                article.text, claim.start, claim.end, width=EXCERPT_CONTEXT
            )
    counts: dict[int, RatingCount] = {}
    for claim in claims:
        level = claim.verdict.rating
        counts.setdefault(level.pk, RatingCount(level=level, count=0)).count += 1
    strip = sorted(counts.values(), key=lambda c: (c.level.scale_id, c.level.position))
    return {
        "article": article,
        "topics": list(article.topics.all()),
        # The full text, only when the publisher allows it (else nothing of it but excerpts).
        "full_text": article.may_republish,
        "blocks": article_segments(article.text, claims) if article.may_republish else [],
        "published_claims": claims,
        "rating_counts": strip,
        "show_reviewer_names": settings.FACTCHECK_SHOW_REVIEWER_NAMES,
    }


def _appeared_here(*, user, article: Article, current: Prefetch, skip: list[Claim]) -> list[Claim]:
    """Published claims of other articles confirmed as made in this one too (an article
    appearance here): each placed at that appearance's span, quoting this article's words,
    with the verdict and checked wording of the claim (one query, plus the verdicts')."""
    rows = (
        Appearance.objects.filter(
            article=article,
            kind=Appearance.Kind.ARTICLE,
            claim__in=published_claims(user=user).exclude(article=article),
        )
        .exclude(claim_id__in=[c.pk for c in skip])
        .order_by("start", "end", "id")
    )
    spans: dict[int, tuple[int, int]] = {}
    for claim_id, start, end in rows.values_list("claim_id", "start", "end"):
        if end is not None and end <= len(article.text):
            spans.setdefault(claim_id, (start, end))
    if not spans:
        return []
    found = []
    verdicts = Prefetch(
        current.prefetch_through, queryset=current.queryset, to_attr="published_verdicts"
    )
    for claim in published_claims(user=user).filter(pk__in=spans).prefetch_related(verdicts):
        if not claim.published_verdicts:
            continue
        claim.verdict = claim.published_verdicts[0]
        checked_wording_attach(claim, claim.verdict)
        # Shown here as said here: this article's words at the appearance's span (the
        # fact-check is about the claim's checked wording, unchanged).
        claim.start, claim.end = spans[claim.pk]
        claim.said_here = article.text[claim.start : claim.end]
        claim.edited_after_check, claim.wording_diff = False, []
        claim.appears_here = True
        found.append(claim)
    return found


# ---------------------------------------------------------------------- checked wording


def checked_wording_attach(claim: Claim, verdict: Verdict | None) -> Claim:
    """Set on ``claim`` what readers are told of the wording its published ``verdict``
    checked: ``checked_wording`` (what the fact-check is about), ``edited_after_check``
    (a later revision of the article changed the sentence) and ``wording_diff`` (the
    words deleted and inserted since)."""
    checked = (verdict.checked_text if verdict is not None else "") or claim.text
    claim.checked_wording = checked
    claim.edited_after_check = checked != claim.text
    claim.wording_diff = word_diff(checked, claim.text) if claim.edited_after_check else []
    return claim


# ------------------------------------------------------------------------------ claim page


def claim_public_get(*, user, pk: int) -> Claim:
    """A published claim with its article (raises ``Claim.DoesNotExist``)."""
    return (
        published_claims(user=user)
        .select_related("article", "article__publisher", "rating", "rating__scale", "claimant")
        .defer("article__raw_html")
        .get(pk=pk)
    )


def quote_context(text: str, start: int, end: int, *, width: int = 280) -> tuple[str, str]:
    """The words before and after ``text[start:end]`` in its paragraph, at most ``width``
    characters each way, cut at a space (an ellipsis says where)."""
    block_start, block_end = 0, len(text)
    for b_start, b_end in text_blocks(text):
        if b_start <= start < b_end:
            block_start, block_end = b_start, max(b_end, end)
            break
    before, after = text[block_start:start], text[end:block_end]
    if len(before) > width:
        cut = before[-width:]
        before = "… " + cut.split(" ", 1)[-1] if " " in cut else "… " + cut
    if len(after) > width:
        cut = after[:width]
        after = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + " …"
    return before, after


@dataclass
class Step:
    """One line of "how we checked this"."""

    when: datetime
    text: str
    detail: str = ""


@dataclass
class Workflow:
    steps: list[Step] = field(default_factory=list)


def _name(user, show: bool) -> str:
    if not show or user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _published_step(*, second: bool, who: str, correction: bool) -> str:
    """The sentence of a publication step (placeholders ``name`` and ``number``)."""
    if correction:
        if second:
            if who:
                return gettext(
                    "A second editor (%(name)s) approved the correction and it was published "
                    "as version %(number)s."
                )
            return gettext(
                "A second editor approved the correction and it was published as version "
                "%(number)s."
            )
        if who:
            return gettext("It was approved by %(name)s and published as version %(number)s.")
        return gettext("It was approved and published as version %(number)s.")
    if second:
        if who:
            return gettext("A second editor (%(name)s) approved it and it was published.")
        return gettext("A second editor approved it and it was published.")
    if who:
        return gettext("It was approved by %(name)s and published.")
    return gettext("It was approved and published.")


def workflow_steps(
    *, claim: Claim, events: list[AuditEvent], verdicts: list[Verdict], evidence: list, show: bool
) -> list[Step]:
    """The recorded workflow of a published claim, told as a reader needs it: when the
    claim was picked, the evidence gathered, drafting, the second editor's approval and any
    correction. Built from audit events only (dates, counts and, if the desk allows it, names)."""
    steps: list[Step] = []
    by_number = {v.number: v for v in verdicts}
    created = next((e for e in events if e.action == "claims.claim.created"), None)
    steps.append(
        Step(
            when=created.created_at if created else claim.created_at,
            text=gettext("The claim was picked for checking: %(origin)s.")
            % {"origin": str(claim.get_origin_display()).lower()},
        )
    )
    started = next((e for e in events if e.action == "claims.claim.review_started"), None)
    if started is not None:
        who = _name(started.actor, show)
        steps.append(
            Step(
                when=started.created_at,
                text=gettext("A reviewer (%(name)s) started checking it.") % {"name": who}
                if who
                else gettext("A reviewer started checking it."),
            )
        )
    added = [e for e in events if e.action in {"claims.evidence.added", "claims.evidence.moved"}]
    if evidence:
        stances = dict.fromkeys(Evidence.Stance.values, 0)
        for item in evidence:
            stances[item.stance] += 1
        parts = {
            "supporting": ngettext(
                "%(count)s supporting", "%(count)s supporting", stances["supports"]
            )
            % {"count": stances["supports"]},
            "refuting": ngettext("%(count)s refuting", "%(count)s refuting", stances["refutes"])
            % {"count": stances["refutes"]},
            "context": ngettext(
                "%(count)s giving context", "%(count)s giving context", stances["context"]
            )
            % {"count": stances["context"]},
        }
        # An unregistered domain counts as a publisher of its own.
        publishers = len({item.source_id or item.link.host for item in evidence})
        steps.append(
            Step(
                when=added[0].created_at if added else claim.created_at,
                text=gettext(
                    "%(sources)s from %(publishers)s consulted: %(supporting)s, %(refuting)s, "
                    "%(context)s."
                )
                % {
                    "sources": ngettext("%(count)s source", "%(count)s sources", len(evidence))
                    % {"count": len(evidence)},
                    "publishers": ngettext(
                        "%(count)s publisher", "%(count)s publishers", publishers
                    )
                    % {"count": publishers},
                    **parts,
                },
            )
        )
    for event in events:
        number = (event.changes or {}).get("number")
        verdict = by_number.get(number) if isinstance(number, int) else None
        if event.action == "claims.verdict.drafted" and verdict is not None:
            who = _name(event.actor, show)
            if verdict.supersedes_id:
                text = (
                    gettext("A correction was drafted by %(name)s.") % {"name": who}
                    if who
                    else gettext("A correction was drafted.")
                )
            else:
                text = (
                    gettext("A verdict was drafted by %(name)s.") % {"name": who}
                    if who
                    else gettext("A verdict was drafted.")
                )
            steps.append(Step(when=event.created_at, text=text))
        elif event.action == "claims.verdict.submitted":
            steps.append(
                Step(when=event.created_at, text=gettext("It was submitted for approval."))
            )
        elif event.action == "claims.verdict.returned":
            steps.append(
                Step(when=event.created_at, text=gettext("An editor sent it back for changes."))
            )
        elif event.action == "claims.verdict.published" and verdict is not None:
            approver, author = verdict.approver, verdict.author
            second = approver is not None and author is not None and approver.pk != author.pk
            who = _name(approver, show)
            text = _published_step(
                second=second, who=who, correction=bool(verdict.supersedes_id)
            ) % {"name": who, "number": verdict.number}
            steps.append(Step(when=event.created_at, text=text, detail=verdict.correction_note))
    steps.sort(key=lambda step: step.when)
    return steps


def _approved_and_since(
    events: list[AuditEvent], current: Verdict | None
) -> tuple[list[AuditEvent], list[AuditEvent]]:
    """The claim's recorded events up to the publication of its current version, and those
    since (the desk's work on the next version)."""
    published = [i for i, e in enumerate(events) if e.action == "claims.verdict.published"]
    if published:
        return events[: published[-1] + 1], events[published[-1] + 1 :]
    if current is None or current.published_at is None:
        return [], events
    # Published before publications were recorded: by time.
    cut = current.published_at
    return [e for e in events if e.created_at <= cut], [e for e in events if e.created_at > cut]


def _evidence_of(events: list[AuditEvent]) -> set[int]:
    """The evidence these events added to the claim or moved to it (from a duplicate)."""
    pks: set[int] = set()
    for event in events:
        if event.action == "claims.evidence.added" and event.target_id:
            pks.add(event.target_id)
        elif event.action == "claims.evidence.moved":
            moved = (event.changes or {}).get("evidence") or []
            pks.update(pk for pk in moved if isinstance(pk, int))
    return pks


def claim_page_context(*, user, claim: Claim) -> dict:
    """Everything the public claim page shows, in a fixed number of queries."""
    show = bool(settings.FACTCHECK_SHOW_REVIEWER_NAMES)
    verdicts = list(
        public_verdicts(user=user)
        .filter(claim=claim)
        .select_related("rating", "author", "approver")
        .order_by("-number")
    )
    current = next((v for v in verdicts if v.state == Verdict.State.PUBLISHED), None)
    events = list(
        # The claim is published (this page shows nothing else): its workflow steps are
        # what readers learn "how we checked this" from, as dates and counts.
        AuditEvent.objects.filter(claim_id=claim.pk, action__in=PUBLIC_ACTIONS)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    # A correction in progress is work in progress too: the evidence added or moved to the
    # claim since the current version was published, and the steps recorded since, wait
    # for the correction's publication.
    events, since = _approved_and_since(events, current)
    pending = _evidence_of(since)
    # "Accessed on": when the page was fetched for its snapshot, the first one taken once it
    # was cited (the citation date when there is none yet).
    accessed = (
        Snapshot.objects.filter(
            link_id=OuterRef("link_id"),
            state=Snapshot.State.DONE,
            requested_at__gte=OuterRef("created_at"),
        )
        .order_by("requested_at", "id")
        .values("fetched_at")[:1]
    )
    evidence = [
        item
        for item in Evidence.objects.visible_to(user)
        .filter(claim=claim)
        .select_related("link", "source")
        .annotate(accessed_at=Subquery(accessed))
        .order_by("created_at", "id")
        if item.pk not in pending
    ]
    article = claim.article
    if article is not None:
        before, after = quote_context(article.text, claim.start, claim.end)
    else:
        before, after = "", ""
    checked_wording_attach(claim, current)
    first = min((v.published_at for v in verdicts), default=None)
    levels = list(
        RatingLevel.objects.visible_to(user)
        .filter(scale_id=current.rating.scale_id if current is not None else None)
        .order_by("position", "id")
    )
    return {
        "claim": claim,
        "article": article,
        "topics": list(article.topics.all()) if article is not None else [],
        "verdict": current,
        "verdicts": verdicts,
        "corrections": [v for v in verdicts if v.supersedes_id],
        "first_published": first,
        "context_before": before,
        "context_after": after,
        "evidence_list": evidence,
        "steps": workflow_steps(
            claim=claim, events=events, verdicts=verdicts, evidence=evidence, show=show
        ),
        "scale_levels": levels,
        "show_reviewer_names": show,
        # Who said it, where and when (issue 15).
        "claimant": claim.claimant,
        "claimant_url": claimant_path(claim.claimant) if claim.claimant_id else "",
        "appearances": (appearances := claim_appearances(claim)),
        "first_appearance": first_appearance(appearances),
    }


# ----------------------------------------------------------------------------- corrections


def corrections_list(*, user) -> QuerySet[Verdict]:
    """Every published correction, newest first, with the version it replaced
    (index ``verdict_corrections_idx``)."""
    return (
        public_verdicts(user=user)
        .filter(supersedes__isnull=False)
        .select_related("claim", "claim__article", "rating", "supersedes", "supersedes__rating")
        .defer("claim__article__text", "claim__article__raw_html", "rationale")
        .order_by("-published_at", "-id")
    )


# ---------------------------------------------------------------------- ClaimReview export


def claim_review_rows(*, user) -> QuerySet[Claim]:
    """Published claims with their public versions, for ClaimReview JSON-LD (feeds to
    fact-check aggregators): two queries however many claims."""
    versions = Prefetch(
        "verdicts",
        queryset=public_verdicts(user=user).select_related("rating").order_by("-number"),
        to_attr="public_versions",
    )
    appearances = Prefetch(
        "appearances",
        queryset=Appearance.objects.select_related("article").defer(
            "article__text", "article__raw_html"
        ),
    )
    return (
        published_claims(user=user)
        .select_related("article", "article__publisher", "claimant")
        .defer("article__text", "article__raw_html")
        .prefetch_related(versions, appearances)
        .order_by("pk")
    )


def scale_bounds(*, user) -> dict[int, tuple[int, int]]:
    """``{scale_id: (best value, worst value)}`` of every rating scale."""
    bounds: dict[int, list] = {}
    for level in RatingLevel.objects.visible_to(user).filter(Q(is_best=True) | Q(is_worst=True)):
        pair = bounds.setdefault(level.scale_id, [None, None])
        pair[0 if level.is_best else 1] = level.value
    return {k: (v[0], v[1]) for k, v in bounds.items() if None not in v}


# ----------------------------------------------------------------------- the desk's pages


def site_page_get(*, slug: str) -> SitePage:
    """The about, methodology or corrections-policy page: as the desk saved it, or its
    starting text (unsaved) while it has no row (``SitePage.DoesNotExist``: no such page)."""
    page = SitePage.objects.filter(slug=slug).first()
    if page is None:
        if slug not in DEFAULTS:
            raise SitePage.DoesNotExist
        page = SitePage(slug=slug, **DEFAULTS[slug])
    return page


def rating_scale_shown(*, user) -> tuple[RatingScale | None, list[RatingLevel]]:
    """The active rating scale and its levels, best first (those no longer offered for new
    verdicts too: published fact-checks may still use them), read live."""
    scale = RatingScale.objects.visible_to(user).filter(is_active=True).first()
    if scale is None:
        return None, []
    levels = list(
        RatingLevel.objects.visible_to(user).filter(scale=scale).order_by("position", "id")
    )
    return scale, levels


# ----------------------------------------------------- who said it, where and when (issue 15)


def _appearance_order(appearance: Appearance):
    date = appearance.date
    return (date is None, date.isoformat() if date else "", not appearance.is_primary)


def claim_appearances(claim: Claim) -> list[Appearance]:
    """Where ``claim`` was made, earliest first (undated last). A claim from an article
    always appeared in it: when its primary row is missing (a claim written by a path that predates
    appearances, such as the page benchmark's seeder), one is shown from ``Claim.article``."""
    cache = getattr(claim, "_prefetched_objects_cache", {})
    if "appearances" in cache:
        rows = list(cache["appearances"])
    else:
        rows = list(
            claim.appearances.select_related("article").defer("article__text", "article__raw_html")
        )
    if claim.article_id is not None and not any(row.is_primary for row in rows):
        rows.append(
            Appearance(
                claim=claim,
                kind=Appearance.Kind.ARTICLE,
                is_primary=True,
                article=claim.article,
                start=claim.start,
                end=claim.end,
            )
        )
    return sorted(rows, key=_appearance_order)


def first_appearance(appearances: list[Appearance]) -> Appearance | None:
    """The earliest dated appearance (``appearances`` sorted by :func:`claim_appearances`)."""
    return next((a for a in appearances if a.date is not None), None)


def claimant_key(claimant: Claimant) -> str:
    slug = slugify(claimant.name)[:80].strip("-")
    return f"{claimant.pk}-{slug}" if slug else str(claimant.pk)


def claimant_path(claimant: Claimant) -> str:
    return reverse("reader:claimant_page", kwargs={"key": claimant_key(claimant)})


def claimant_public_get(*, user, pk: int) -> Claimant:
    """A claimant with at least one published claim (else ``Claimant.DoesNotExist``)."""
    return Claimant.objects.filter(
        Exists(published_claims(user=user).filter(claimant=OuterRef("pk"))), pk=pk
    ).get()


def claimant_page_context(*, user, claimant: Claimant) -> dict:
    """Their published fact-checks, newest first, and how they were rated (two queries)."""
    checks = list(
        fact_check_list(user=user).filter(claim__claimant=claimant).order_by("-published_at", "-id")
    )
    counts: dict[int, list] = {}
    for verdict in checks:
        entry = counts.setdefault(verdict.rating_id, [verdict.rating, 0])
        entry[1] += 1
    distribution = sorted(
        ({"level": level, "count": n} for level, n in counts.values()),
        key=lambda row: (row["level"].position, row["level"].pk),
    )
    return {"claimant": claimant, "fact_checks": checks, "rating_distribution": distribution}
