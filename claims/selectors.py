"""Reads for the claims app. Every selector starts from ``visible_to(user)``."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    Expression,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import Col
from django.db.models.functions import Coalesce

from audit.models import AuditEvent
from audit.selectors import TimelineEntry, timeline
from claims.models import (
    Article,
    ArticleSentence,
    CitedLink,
    Claim,
    Evidence,
    IngestJob,
    Note,
    RatingLevel,
    Verdict,
    VerdictContribution,
)
from claims.text_search import SIMPLE, configs_in_use
from claims.wording import word_diff
from factcheck.lib.authz import cached_for_roles
from factcheck.lib.stamps import SITE
from sources.models import Link, Snapshot


def _claims_counted(**filters) -> Coalesce:
    """The number of an article's claims matching ``filters``, as a correlated subquery
    (grouped on the claims table alone: never on the article's text or HTML)."""
    rows = (
        Claim.objects.filter(article=OuterRef("pk"), **filters)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def article_list(*, user) -> QuerySet[Article]:
    """Articles, newest first, with their claim counts (``claim_count``: not dismissed;
    ``published_count``). The counts are subqueries on the claims' (article, status) index:
    a ``GROUP BY`` of the articles would group by their large text columns."""
    return (
        Article.objects.visible_to(user)
        .defer("text", "raw_html")
        .annotate(
            claim_count=_claims_counted(status__in=_NOT_DISMISSED),
            published_count=_claims_counted(status=Claim.Status.PUBLISHED),
        )
        .order_by("-created_at", "-id")
    )


_NOT_DISMISSED = [s for s in Claim.Status.values if s != Claim.Status.DISMISSED]


def notes_mentioning(*, user, limit: int = 10) -> list[Note]:
    """The latest notes that mention ``user`` (not their own), newest first, with the claim
    and author a list shows (index on the mentions table's user column)."""
    if not user.is_authenticated:
        return []
    return list(
        Note.objects.visible_to(user)
        .filter(mentions=user)
        .exclude(author=user)
        .select_related("claim", "author")
        .only("id", "body", "created_at", "claim__id", "claim__text", "author__username",
              "author__first_name", "author__last_name", "author__is_active")
        .order_by("-created_at", "-id")[:limit]
    )  # fmt: skip


def article_get(*, user, key: str) -> Article:
    """An article by slug or numeric id (raises ``Article.DoesNotExist``)."""
    articles = Article.objects.visible_to(user)
    if key.isdigit():
        return articles.get(pk=int(key))
    return articles.get(slug=key)


def article_paragraphs(article: Article) -> list[str]:
    """The canonical text as blocks separated by blank lines (for display only)."""
    blocks = [block.strip() for block in article.text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


# --------------------------------------------------------------------- reviewer article page

_BLOCK_SEPARATOR_RE = re.compile(r"\n[^\S\n]*\n\s*")


@dataclass
class Segment:
    """A run of canonical text covered by the same claims: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str
    claims: list[Claim] = field(default_factory=list)
    # Claims that end with this segment: their label is shown right after it.
    ending: list[Claim] = field(default_factory=list)

    @property
    def claim(self) -> Claim | None:
        return self.claims[0] if self.claims else None


def text_blocks(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` spans of the blocks (paragraphs) of a canonical text."""
    blocks, start = [], 0
    for match in _BLOCK_SEPARATOR_RE.finditer(text):
        if match.start() > start:
            blocks.append((start, match.start()))
        start = match.end()
    if start < len(text):
        blocks.append((start, len(text)))
    return blocks


def article_segments(
    text: str, claims: Iterable[Claim], *, blocks: list[tuple[int, int]] | None = None
) -> list[list[Segment]]:
    """The text as blocks of segments, cut wherever a claim starts or ends.

    Overlapping claims are allowed: a segment lists every claim covering it (narrowest
    first). Built from offsets only, so highlighting is exact; the template escapes the text.
    ``blocks``: only these ``[start, end)`` blocks (default: all of the text's).
    """
    claims = sorted(claims, key=lambda c: (c.start, c.end))
    cuts: dict[int, list[Claim]] = {}
    for claim in claims:
        cuts.setdefault(claim.start, [])
        cuts.setdefault(claim.end, [])
    blocks_out = []
    for block_start, block_end in text_blocks(text) if blocks is None else blocks:
        points = sorted({block_start, block_end} | {p for p in cuts if block_start < p < block_end})
        segments = []
        for start, end in itertools.pairwise(points):
            covering = sorted(
                (c for c in claims if c.start < end and start < c.end),
                key=lambda c: (c.end - c.start, c.pk or 0),
            )
            segments.append(
                Segment(
                    start=start,
                    end=end,
                    text=text[start:end],
                    claims=covering,
                    ending=[c for c in covering if c.end == end],
                )
            )
        blocks_out.append(segments)
    return blocks_out


def article_review_get(*, user, pk: int) -> Article:
    """An article for the reviewer page (raises ``Article.DoesNotExist``)."""
    return Article.objects.visible_to(user).select_related("previous_revision").get(pk=pk)


def article_revisions(article: Article, *, limit: int = 50) -> list[Article]:
    """Earlier revisions of ``article``, newest first (one query per revision, bounded)."""
    chain, current = [], article.previous_revision
    while current is not None and len(chain) < limit:
        chain.append(current)
        current = current.previous_revision
    return chain


# Claims per page of the reviewer article page. The page shows the part of the text its claims
# stand in (with every claim there highlighted), its sentences and its cited links: the
# queries and the HTML grow with the page, never with the article.
REVIEW_CLAIMS_PER_PAGE = 50
# Orphaned claims listed on the article page (the newest revisions' first).
REVIEW_ORPHANS_SHOWN = 200
# Matches answered by the merge-target search.
MERGE_TARGETS_SHOWN = 20


def _review_claims(user, article: Article) -> QuerySet[Claim]:
    return (
        Claim.objects.visible_to(user)
        .filter(article=article, is_orphaned=False)
        .order_by("start", "end", "id")
    )


def article_review_page_of(*, user, article: Article, claim_pk: int) -> int | None:
    """The page number of the article page listing claim ``claim_pk`` (``None``: not
    there). One query: the claims before it in reading order are counted."""
    claims = _review_claims(user, article)
    claim = claims.filter(pk=claim_pk).only("start", "end").first()
    if claim is None:
        return None
    before = (
        claims.filter(
            Q(start__lt=claim.start)
            | Q(start=claim.start, end__lt=claim.end)
            | Q(start=claim.start, end=claim.end, pk__lt=claim.pk)
        )
        .order_by()
        .count()
    )
    return before // REVIEW_CLAIMS_PER_PAGE + 1


# The blocks of the articles' texts, per (article, content hash): a text never changes under
# its hash, and finding the blocks of a text of megabytes costs tens of milliseconds.
_BLOCKS_CACHE: dict[tuple[int, str], tuple[list[tuple[int, int]], list[int]]] = {}
_BLOCKS_CACHED = 16


def _article_blocks(article: Article) -> tuple[list[tuple[int, int]], list[int]]:
    """``text_blocks(article.text)`` and the blocks' starts (for bisecting)."""
    key = (article.pk, article.content_hash)
    found = _BLOCKS_CACHE.get(key)
    if found is None:
        blocks = text_blocks(article.text)
        found = (blocks, [start for start, _ in blocks])
        if len(_BLOCKS_CACHE) >= _BLOCKS_CACHED:
            _BLOCKS_CACHE.pop(next(iter(_BLOCKS_CACHE)))
        _BLOCKS_CACHE[key] = found
    return found


def _block_around(
    blocks: list[tuple[int, int]], starts: list[int], offset: int, *, end: bool = False
) -> int:
    """The start (or, with ``end``, the end) of the block holding ``offset``."""
    index = bisect.bisect_right(starts, offset) - 1
    if index < 0:
        return 0 if not end else (blocks[0][1] if blocks else 0)
    return blocks[index][1 if end else 0]


def article_review_context(*, user, article: Article, page_number=None) -> dict:
    """The reviewer article page: a page of its claims (``page``), the part of the text they
    stand in (``blocks``, every claim in that part highlighted; ``text_range``), the
    sentences and cited links of that part, the orphaned claims (at most
    ``REVIEW_ORPHANS_SHOWN``), revisions and the newer revision. The number of queries does not
    depend on the number of claims."""
    paginator = Paginator(
        _review_claims(user, article).select_related("assignee", "rating"),
        REVIEW_CLAIMS_PER_PAGE,
    )
    # The page's claims and the next page's first in one query (one row more than a page).
    number = paginator.get_page(page_number).number  # the count; no rows read yet
    offset = (number - 1) * REVIEW_CLAIMS_PER_PAGE
    rows = list(paginator.object_list[offset : offset + REVIEW_CLAIMS_PER_PAGE + 1])
    claims, following = rows[:REVIEW_CLAIMS_PER_PAGE], rows[REVIEW_CLAIMS_PER_PAGE:]
    page = paginator._get_page(claims, number, paginator)
    text = article.text
    blocks, starts = _article_blocks(article)
    # The part of the text this page covers: from the block of its first claim (the text's
    # start on the first page) to the block where the next page's first claim stands (the
    # text's end on the last page), at least to the end of its last claim.
    first_page = not claims or page.number == 1
    range_start = 0 if first_page else _block_around(blocks, starts, claims[0].start)
    if not claims or not following:
        range_end = len(text)
    else:
        range_end = max(
            _block_around(blocks, starts, max(c.end for c in claims) - 1, end=True),
            _block_around(blocks, starts, following[0].start),
        )
    # What starts in that part (a range of the (article, start, end) index: a bound on the
    # end would read every claim before the part). A claim of an earlier page running into
    # the part is highlighted on its own page.
    in_part = {"start__gte": range_start, "start__lt": range_end}
    shown = [
        *claims,
        *(
            Claim.objects.visible_to(user)
            .filter(article=article, is_orphaned=False, **in_part)
            .exclude(pk__in=[c.pk for c in claims])
            .select_related("rating")
            .only("id", "start", "end", "status", "rating__id", "rating__label")
        ),
    ]
    revisions = article_revisions(article)
    orphaned = list(
        Claim.objects.visible_to(user)
        .filter(article__in=[article, *revisions], is_orphaned=True)
        .select_related("article")
        .order_by("-article__created_at", "start")[:REVIEW_ORPHANS_SHOWN]
    )
    sentences = list(
        ArticleSentence.objects.visible_to(user)
        .filter(article=article, **in_part)
        .order_by("start")
    )
    # Each link's newest snapshot taken (evidence cites it, or a reviewer asked for one).
    kept = (
        Snapshot.objects.filter(link_id=OuterRef("link_id"), state=Snapshot.State.DONE)
        .order_by("-fetched_at", "-id")
        .values("fetched_at")[:1]
    )
    cited_links = list(
        CitedLink.objects.visible_to(user)
        .filter(article=article, **in_part)
        .select_related("link", "claim")
        .annotate(snapshot_at=Subquery(kept))
        .order_by("start", "id")
    )
    newer = Article.objects.visible_to(user).filter(previous_revision=article).first()
    return {
        "article": article,
        "blocks": article_segments(
            text, shown, blocks=[(a, b) for a, b in blocks if a < range_end and range_start < b]
        ),
        "page": page,
        "claims": claims,
        "claim_count": paginator.count,
        "text_range": (range_start, range_end),
        "text_is_partial": range_start > 0 or range_end < len(text),
        "orphaned_claims": orphaned,
        "orphans_capped": len(orphaned) == REVIEW_ORPHANS_SHOWN,
        "sentences": sentences,
        "candidate_sentences": [s for s in sentences if s.claim_id is None],
        "cited_links": cited_links,
        "revisions": revisions,
        "newer_revision": newer,
    }


def merge_targets(
    *, user, claim: Claim, query: str, limit: int = MERGE_TARGETS_SHOWN
) -> list[Claim]:
    """Claims ``claim`` may be merged into that match ``query``: its number (``123`` or
    ``#123``: that claim) or words of its text (every word, in any order); at most
    ``limit``, in reading order. One query."""
    candidates = (
        Claim.objects.visible_to(user)
        .filter(article_id=claim.article_id, is_orphaned=False)
        .exclude(pk=claim.pk)
        .exclude(status=Claim.Status.DISMISSED)
        .only("id", "text", "start", "status")
        .order_by("start", "end", "id")
    )
    query = query.strip()
    number = query.lstrip("#").strip()
    if number.isdigit():
        return list(candidates.filter(pk=int(number)))
    words = query.split()[:8]
    if not words:
        return list(candidates[:limit])
    condition = Q()
    for word in words:
        condition &= Q(text__icontains=word)
    return list(candidates.filter(condition)[:limit])


def ingest_job_get(*, user, pk: int) -> IngestJob:
    """Raises ``IngestJob.DoesNotExist``."""
    return IngestJob.objects.visible_to(user).select_related("article", "requested_by").get(pk=pk)


# ----------------------------------------------------------------------- reviewer queue


def _links_shown_as(*states: str) -> QuerySet[Link]:
    """Links whose state, as shown to the desk (an editor's override wins), is one of
    ``states``."""
    links = Link.objects.all()
    if hasattr(links, "with_effective_state"):
        return links.with_effective_state().filter(shown_state__in=states).order_by()
    return links.filter(state__in=states).order_by()


def _risky_links() -> QuerySet[Link]:
    """The link checker's definition of "evidence at risk" (``sources.selectors``)."""
    try:
        from sources.selectors import risky_links
    except ImportError:  # link health not installed: dead links are the risk
        return _links_shown_as(Link.State.DEAD)
    return risky_links()


def link_trouble_exists() -> Exists:
    """The claim has evidence whose link is dead or failing (as shown to the desk)."""
    return Exists(
        Evidence.objects.filter(
            claim=OuterRef("pk"),
            link__in=_links_shown_as(Link.State.DEAD, Link.State.FAILING),
        )
    )


def evidence_at_risk_exists() -> Exists:
    """A published claim resting on evidence at risk (dead, or moved to another site)."""
    return Exists(
        Evidence.objects.filter(
            claim=OuterRef("pk"),
            claim__status=Claim.Status.PUBLISHED,
            link__in=_risky_links(),
        )
    )


def _count_of(model, **filters) -> Coalesce:
    rows = (
        model.objects.filter(claim=OuterRef("pk"), **filters)
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def claim_queue(*, user) -> QuerySet[Claim]:
    """The reviewer queue's claims, for the filters to narrow and order and the paginator to
    count and slice; :func:`claim_queue_rows` then loads one page with what the rows show."""
    return Claim.objects.visible_to(user).order_by("-updated_at", "-id")


def claim_queue_rows(*, user, page: QuerySet[Claim]) -> list[Claim]:
    """One page of the queue (``page``: the filtered, ordered and sliced queryset) with what
    each row shows: article, assignee, rating, evidence and note counts, link flags. One
    query, whatever the page size.

    The page is a sub-select of ids (``WHERE id IN (SELECT id ... LIMIT n OFFSET k)``) and
    the counts and flags are computed on the outer query, so PostgreSQL runs them for the
    page's rows only. Computed on the filtered query itself, they made the planner (which
    costs them for every matching row, before the LIMIT) hash the evidence of every claim
    with a dead, failing or risky link: 80 ms a page on 100,000 claims instead of 2 ms
    (``benchmarks/pages.py``).
    """
    ordering = page.query.order_by or ("-updated_at", "-id")
    return list(
        Claim.objects.visible_to(user)
        .filter(pk__in=page.values("pk"))
        .select_related("article", "assignee", "rating")
        # What a row shows (``claims.templatetags.review.queue_rows``), nothing more.
        .only(
            *("id", "text", "status", "checkworthiness", "updated_at", "article_id", "version"),
            *("assignee_id", "rating_id", "article__title", "article__is_demo"),
            *("assignee__username", "rating__label"),
        )
        .annotate(
            evidence_count=_count_of(Evidence),
            note_count=_count_of(Note),
            has_link_trouble=link_trouble_exists(),
            evidence_at_risk=evidence_at_risk_exists(),
        )
        .order_by(*ordering)
    )


class StoredSearchVector(Expression):
    """``claims_claim.search_vector``: the claim text's tsvector in the claim's own text search
    configuration, stored by PostgreSQL (a generated column with a GIN index, migrations 0007
    and 0024). Not a model field, so it is never loaded with a claim; this resolves to the
    column under whatever alias the claims table has in the query (``U0`` inside a
    sub-select)."""

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        from django.contrib.postgres.search import SearchVectorField

        field = SearchVectorField()
        field.set_attributes_from_name("search_vector")
        field.model = Claim
        return Col(query.get_initial_alias(), field)


def _every_word(query: str) -> Q:
    """Every word of ``query`` occurs in the text, in any order (quotes dropped)."""
    condition = Q()
    for word in query.split()[:10]:
        if word.strip('"'):
            condition &= Q(text__icontains=word.strip('"'))
    return condition


def claim_text_search(queryset: QuerySet[Claim], query: str) -> QuerySet[Claim]:
    """Full-text search on PostgreSQL, ``icontains`` elsewhere.

    On PostgreSQL each claim is matched in its own language (``claims.text_search``): the query
    is parsed (``websearch``) once per configuration some claim has, and each parse is matched
    against the stored vectors of that configuration's claims, all through the one GIN index
    on the vectors. Claims read with ``simple`` (no stemmer for their language: Chinese,
    Japanese, ...) also match by substring, as words are not split by spaces in some of
    those scripts."""
    query = (query or "").strip()
    if not query:
        return queryset
    if query.startswith("#") and query[1:].isdigit():
        return queryset.filter(pk=int(query[1:]))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        def matches(config: str) -> Q:
            return Q(search_vector=SearchQuery(query, config=config, search_type="websearch"))

        configs = configs_in_use()
        queryset = queryset.alias(search_vector=StoredSearchVector())
        if len(configs) == 1 and configs[0] != SIMPLE:
            return queryset.filter(matches(configs[0]))
        condition = Q()
        for config in configs:
            condition |= Q(search_config=config) & matches(config)
        words = _every_word(query)
        if SIMPLE in configs and words:
            condition |= Q(search_config=SIMPLE) & words
        return queryset.filter(condition) if condition else queryset.none()
    # Elsewhere (SQLite): every word must occur, in any order.
    return queryset.filter(_every_word(query))


# -------------------------------------------------------------------------- claim page


def claim_get(*, user, pk: int) -> Claim:
    """A claim for its reviewer page (raises ``Claim.DoesNotExist``)."""
    return (
        Claim.objects.visible_to(user)
        .select_related("article", "assignee", "rating", "duplicate_of")
        .defer("article__text", "article__raw_html")
        .get(pk=pk)
    )


def claim_context(*, user, claim: Claim, around: int = 2) -> tuple[list, list]:
    """Up to ``around`` sentences before and after the claim (from the article's sentences;
    the stored prefix/suffix when it has none). A claim without an article has none."""
    if claim.article_id is None:
        return [], []
    window = 1500
    rows = list(
        ArticleSentence.objects.visible_to(user)
        .filter(
            article_id=claim.article_id,
            start__lt=claim.end + window,
            end__gt=max(0, claim.start - window),
        )
        .order_by("start")
        .only("start", "end", "text")
    )
    before = [s.text for s in rows if s.end <= claim.start][-around:]
    after = [s.text for s in rows if s.start >= claim.end][:around]
    if not rows:
        before = [claim.prefix] if claim.prefix else []
        after = [claim.suffix] if claim.suffix else []
    return before, after


def claim_history(*, user, claim: Claim, limit: int = 200) -> list[TimelineEntry]:
    """The claim's timeline: every event filed under it, newest first."""
    return timeline(
        AuditEvent.objects.visible_to(user)
        .filter(claim_id=claim.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def reviewer_list() -> list:
    """Who may be assigned claims (``claims.services.reviewers``), by username, as unsaved
    users that carry only their id and username: kept in the permission cache
    (``factcheck.lib.authz``) until a role or a user changes."""
    from claims.services import reviewers

    rows = cached_for_roles("reviewers", lambda: list(reviewers().values_list("pk", "username")))
    user_model = get_user_model()
    return [user_model(pk=pk, username=username) for pk, username in rows]


def queue_filter_choices() -> tuple[list, list]:
    """The reviewers and the rating levels the queue's filters offer (the page's and the
    API's): kept until a role or a user changes (:func:`reviewer_list`) or a scale or a
    level does (``SITE``), so a queue request reads neither."""
    from claims.services import active_levels

    return reviewer_list(), SITE.cached("claims:active_levels", lambda: list(active_levels()))


def claim_page_context(*, user, claim: Claim) -> dict:
    """Everything the claim page shows, in a fixed number of queries."""
    from django.db.models import prefetch_related_objects

    from claims.models import Appearance
    from claims.quotes import quote_checks
    from claims.services import offered_levels

    before, after = claim_context(user=user, claim=claim)
    # "Where and when it was said" (``claims/_appearances.html``): each appearance with its
    # article (title, state, publication date), in one query.
    prefetch_related_objects(
        [claim],
        Prefetch(
            "appearances",
            queryset=Appearance.objects.select_related("article").defer(
                "article__text", "article__raw_html"
            ),
        ),
    )
    verdicts = list(
        Verdict.objects.visible_to(user)
        .filter(claim=claim)
        .select_related("rating", "author", "approver")
        .prefetch_related(
            # "Contributors: ..." on each version, first contribution first.
            Prefetch(
                "contributions",
                queryset=VerdictContribution.objects.select_related("user").order_by(
                    "added_at", "id"
                ),
            )
        )
        .order_by("-number")
    )
    open_verdict = next((v for v in verdicts if v.is_open), None)
    published = next((v for v in verdicts if v.state == Verdict.State.PUBLISHED), None)
    evidence = list(
        Evidence.objects.visible_to(user)
        .filter(claim=claim)
        .select_related("link", "source", "source_rating", "added_by")
        .order_by("created_at", "id")
    )
    # Is each quoted passage on the page? (claims/quotes.py: the links' snapshots, one query.)
    checks = quote_checks(evidence)
    for ev in evidence:
        ev.quote_check = checks.get(ev.pk)
    # The links the article cites, those in (or right after) this claim first, each marked
    # ``in_claim`` and ``is_evidence`` (already evidence for this claim) for the page's
    # "Add as evidence" buttons.
    evidence_links = {ev.link_id for ev in evidence}
    cited = (
        list(
            CitedLink.objects.visible_to(user)
            .filter(article_id=claim.article_id)
            .select_related("link")
            .order_by("start", "id")
        )
        if claim.article_id is not None
        else []
    )
    cited.sort(key=lambda c: c.claim_id != claim.pk)  # stable: reading order within each
    for c in cited:
        c.in_claim = c.claim_id == claim.pk
        c.is_evidence = c.link_id in evidence_links
    return {
        "claim": claim,
        "article": claim.article,
        # "Changed since checked" (the sentence a new revision gave the claim against the
        # wording its verdict checked), and whether the published version checked other words
        # than the claim's current ones (an acknowledged change: readers are told).
        "wording_diff": (
            word_diff(claim.changed_from_text, claim.text)
            if claim.changed_since_checked_at is not None
            else None
        ),
        "published_wording_differs": published is not None
        and published.checked_wording != claim.text,
        "context_before": before,
        "context_after": after,
        "cited_links": cited,
        "cited_in_claim": [c for c in cited if c.in_claim],
        "cited_elsewhere": [c for c in cited if not c.in_claim],
        "evidence_list": evidence,
        # Submitting for approval asks why when a quoted passage is not on its page.
        "quotes_not_found": [ev for ev in evidence if ev.quote_check and ev.quote_check.is_problem],
        "notes": list(
            Note.objects.visible_to(user)
            .filter(claim=claim)
            .select_related("author")
            .order_by("created_at", "id")
        ),
        "verdicts": verdicts,
        "open_verdict": open_verdict,
        "published_verdict": published,
        "history": claim_history(user=user, claim=claim),
        "reviewer_list": reviewer_list(),
        # Kept until a scale or level changes (they say so through site_changed).
        "rating_levels": SITE.cached("claims:offered_levels", lambda: list(offered_levels())),
    }


# ---------------------------------------------------------------- changed since checked


def claims_changed_since_checked(*, user) -> QuerySet[Claim]:
    """Claims whose sentence a new revision of their article changed after their verdict
    (published or in progress) was checked, not yet acknowledged nor checked again; most
    recently changed first (index ``claim_changed_idx``)."""
    return (
        Claim.objects.visible_to(user)
        .filter(changed_since_checked_at__isnull=False)
        .order_by("-changed_since_checked_at", "-id")
    )


def changed_claim_rows(*, user, claims: Iterable[Claim]) -> list[Claim]:
    """The rows of the editors' list (a page of :func:`claims_changed_since_checked`), in
    three queries: each claim with its article, its published and open versions
    (``published_verdict``, ``open_verdict``) and the word-level ``wording_diff``."""
    pks = [claim.pk for claim in claims]
    rows = list(
        Claim.objects.visible_to(user)
        .filter(pk__in=pks)
        .select_related("article")
        .defer("article__text", "article__raw_html")
        .prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.visible_to(user)
                .filter(state__in=[Verdict.State.PUBLISHED, *Verdict.OPEN_STATES])
                .select_related("rating")
                .order_by("-number"),
                to_attr="checked_versions",
            )
        )
        .order_by("-changed_since_checked_at", "-id")
    )
    for claim in rows:
        claim.published_verdict = next(
            (v for v in claim.checked_versions if v.state == Verdict.State.PUBLISHED), None
        )
        claim.open_verdict = next((v for v in claim.checked_versions if v.is_open), None)
        claim.wording_diff = word_diff(claim.changed_from_text, claim.text)
    return rows


# --------------------------------------------------- public page (see reader/selectors.py)


def rating_levels_all() -> QuerySet[RatingLevel]:
    return (
        RatingLevel.objects.visible_to(None)
        .select_related("scale")
        .order_by("scale_id", "position")
    )


def merge_target_get(*, user, claim: Claim, pk: int) -> Claim:
    """The claim ``claim`` (a duplicate) may be merged into, by number: another claim of its
    article, not orphaned, not dismissed. One query for the chosen claim; raises
    ``Claim.DoesNotExist``."""
    return (
        Claim.objects.visible_to(user)
        .filter(article_id=claim.article_id, is_orphaned=False)
        .exclude(pk=claim.pk)
        .exclude(status=Claim.Status.DISMISSED)
        .get(pk=pk)
    )
