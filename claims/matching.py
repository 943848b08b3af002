"""Checked before? Candidates for a text among the desk's own claims and other
organisations' fact-checks (``ExternalFactCheck``).

One in-memory index per process (:class:`MatchIndex`, lexical: ``claims.nlp.retrieval``):

- **What is indexed.** Own claims in review, awaiting approval or published (their text);
  external fact-checks by ``claimReviewed`` + ``headline`` + summary + the words of their
  address's last path segment (a fact-check's slug is a headline of its own).
- **Ranking.** BM25 over those fields gives the first :data:`RERANK_DEPTH` candidates; they
  are re-ranked by BM25 (relative to the best) plus :data:`FUZZY_WEIGHT` times a second
  lexical signal, rapidfuzz's ``token_set_ratio`` between the cleaned query and the
  candidate's claim wording and headline (0..1). An own published check outranks an
  in-progress one of the same score (:data:`IN_PROGRESS_FACTOR`). Weights were chosen on
  the CheckThat! 2022 2A train split (``benchmarks/matching.py``).
- **Freshness.** Before answering, a query looks for rows changed since the index last
  looked (``updated_at``, an indexed column for fact-checks), at most every
  ``FACTCHECK_MATCH_REFRESH_SECONDS`` (10) seconds, and adds or replaces them: a newly
  imported fact-check or published claim is matchable within that time in every process
  (``matching_index_changed()`` makes this process look at once; the importer calls it).
  Rows deleted or dismissed since drop out when candidates are read from the database.
- The first query of a process builds the index (about 0.4 ms a document).
"""

from __future__ import annotations

import datetime
import gc
import re
import threading
import time
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db.models import Max

from claims.models import Claim, ExternalFactCheck
from claims.nlp.retrieval import BM25Index, clean_query

__all__ = [
    "OWN_STATUSES",
    "Candidate",
    "MatchIndex",
    "matches_for_claim",
    "matches_for_text",
    "matching_index",
    "matching_index_changed",
]

# Own claims worth finding: a check published or in progress (not new, nor dismissed).
OWN_STATUSES = (
    Claim.Status.PUBLISHED,
    Claim.Status.AWAITING_APPROVAL,
    Claim.Status.IN_REVIEW,
)
RERANK_DEPTH = 30
FUZZY_WEIGHT = 0.8
IN_PROGRESS_FACTOR = 0.97
# Field weights (text, headline, summary, slug) and BM25's parameters: k1 0.7, b 0.5
# chosen on train (MAP@5 0.859 with the re-ranking, 0.856 at the usual 1.2 / 0.75). A
# word in more than 2 % of the documents is scored only for the best 300 candidates of
# the others (``BM25Index.search``): the same MAP@5 on train, a quarter of the latency.
BM25_PARAMS = {"k1": 0.7, "b": 0.5, "max_df": 0.02, "pool": 300}
FIELD_WEIGHTS = (1.0, 1.0, 1.0, 1.0)
# Changes are looked for at most this often (seconds); settings may change it.
DEFAULT_REFRESH_SECONDS = 10
# A clock margin when asking for rows changed since the last look.
_MARGIN = datetime.timedelta(seconds=5)

Key = tuple[str, int]  # ("own" | "external", pk)


@dataclass
class Candidate:
    kind: Literal["own", "external"]
    pk: int
    url: str
    score: float
    similarity: int  # the second signal, 0..100: how close the wording is
    text: str
    headline: str = ""
    rating: str = ""
    publisher: str = ""
    date: datetime.date | None = None
    status: str = ""
    obj: object = None


def _slug_words(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return "" if "." in last and "-" not in last else re.sub(r"[-_+]", " ", last)


def _fuzzy():
    from rapidfuzz import fuzz

    return fuzz.token_set_ratio


class MatchIndex:
    """The index and what it needs for re-ranking; safe to share between threads."""

    def __init__(self) -> None:
        self.bm25 = BM25Index(**BM25_PARAMS)
        self.wording: dict[Key, str] = {}
        self.in_progress: set[Key] = set()
        self._lock = threading.RLock()
        self._seen: dict[str, datetime.datetime | None] = {"own": None, "external": None}
        self._looked_at = 0.0
        self.ready = True  # False while a background thread builds it
        self.builder: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self.bm25)

    # ---------------------------------------------------------------- adding

    def add_external(
        self, pk: int, *, url: str, claim_reviewed: str, headline: str, summary: str
    ) -> None:
        text_w, head_w, summary_w, slug_w = FIELD_WEIGHTS
        key = ("external", pk)
        with self._lock:
            self.bm25.add(
                key,
                [
                    (claim_reviewed, text_w),
                    (headline, head_w),
                    (summary, summary_w),
                    (_slug_words(url), slug_w),
                ],
            )
            self.wording[key] = f"{claim_reviewed} {headline}".strip()

    def add_own(self, pk: int, *, text: str, published: bool) -> None:
        key = ("own", pk)
        with self._lock:
            self.bm25.add(key, [(text, FIELD_WEIGHTS[0] + FIELD_WEIGHTS[1])])
            self.wording[key] = text
            if published:
                self.in_progress.discard(key)
            else:
                self.in_progress.add(key)

    def remove(self, key: Key) -> None:
        with self._lock:
            self.bm25.remove(key)
            self.wording.pop(key, None)
            self.in_progress.discard(key)

    # ---------------------------------------------------------------- freshness

    def refresh(self, *, force: bool = False) -> int:
        """Add the rows changed since the last look; how many were (re)indexed."""
        interval = getattr(settings, "FACTCHECK_MATCH_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS)
        now = time.monotonic()
        if not force and now - self._looked_at < interval:
            return 0
        with self._lock:
            self._looked_at = now
            added = 0
            since = self._seen["external"]
            rows = ExternalFactCheck.objects.all()
            if since is not None:
                rows = rows.filter(updated_at__gte=since - _MARGIN)
            newest = since
            for pk, url, claim_reviewed, headline, summary, updated in rows.values_list(
                "pk", "url", "claim_reviewed", "headline", "summary", "updated_at"
            ).iterator(chunk_size=2000):
                self.add_external(
                    pk,
                    url=url,
                    claim_reviewed=claim_reviewed,
                    headline=headline,
                    summary=summary,
                )
                added += 1
                newest = updated if newest is None or updated > newest else newest
            self._seen["external"] = newest
            since = self._seen["own"]
            claims = Claim.objects.filter(duplicate_of__isnull=True)
            if since is not None:
                claims = claims.filter(updated_at__gte=since - _MARGIN)
            newest = since
            for pk, text, status, updated in claims.values_list(
                "pk", "text", "status", "updated_at"
            ).iterator(chunk_size=2000):
                newest = updated if newest is None or updated > newest else newest
                if status in OWN_STATUSES:
                    self.add_own(pk, text=text, published=status == Claim.Status.PUBLISHED)
                    added += 1
                elif ("own", pk) in self.bm25:
                    self.remove(("own", pk))
            if newest is None:
                newest = Claim.objects.aggregate(newest=Max("updated_at"))["newest"]
            self._seen["own"] = newest
        if added > 1000:
            # The index is long-lived: keep the garbage collector from walking its
            # millions of postings again and again (full collections were the slow tail).
            gc.collect()
            gc.freeze()
        return added

    def mark_stale(self) -> None:
        self._looked_at = 0.0

    # ---------------------------------------------------------------- searching

    def search(
        self,
        text: str,
        k: int = 5,
        *,
        exclude: set[Key] | frozenset = frozenset(),
        kinds: tuple[str, ...] = ("own", "external"),
    ) -> list[tuple[Key, float, int]]:
        """``[(key, score, similarity), ...]`` best first."""
        with self._lock:
            found = self.bm25.search(text, RERANK_DEPTH + len(exclude))
            found = [(key, score) for key, score in found if key not in exclude and key[0] in kinds]
            if not found:
                return []
            best = found[0][1] or 1.0
            query = clean_query(text)
            ratio = _fuzzy()
            ranked = []
            for key, score in found:
                similarity = ratio(query, self.wording.get(key, ""))
                combined = score / best + FUZZY_WEIGHT * similarity / 100
                if key in self.in_progress:
                    combined *= IN_PROGRESS_FACTOR
                ranked.append((key, combined, round(similarity)))
        ranked.sort(key=lambda item: -item[1])
        return ranked[:k]


_index: MatchIndex | None = None
_index_lock = threading.Lock()
# Above this many rows a page's first use builds the index in a background thread (the page
# says the candidates are coming) instead of making its reader wait (~0.4 ms a row).
BACKGROUND_BUILD_ROWS = 20_000


def _build_in_background(index: MatchIndex) -> None:
    from django.db import connection

    try:
        index.refresh(force=True)
    finally:
        index.ready = True
        connection.close()


def matching_index(*, wait: bool = True) -> MatchIndex:
    """This process's index, built on first use and kept fresh. With ``wait=False`` a large
    first build runs in a background thread and the index is returned not ``ready``."""
    global _index
    with _index_lock:
        if _index is None:
            _index = MatchIndex()
            rows = (
                ExternalFactCheck.objects.count()
                + Claim.objects.filter(status__in=OWN_STATUSES).count()
            )
            if not wait and rows > BACKGROUND_BUILD_ROWS:
                _index.ready = False
                _index.builder = threading.Thread(
                    target=_build_in_background, args=(_index,), daemon=True, name="match-index"
                )
                _index.builder.start()
                return _index
    if not _index.ready:
        if not wait:
            return _index
        _index.builder.join()
    _index.refresh()
    return _index


def matching_index_changed() -> None:
    """Rows were written in this process: the next query looks for them at once."""
    if _index is not None:
        _index.mark_stale()


def _own_url(claim: Claim) -> str:
    from django.urls import reverse

    from claims.hooks import public_url

    return public_url(claim) or reverse("claims:claim_detail", kwargs={"pk": claim.pk})


def matches_for_text(
    text: str,
    *,
    limit: int = 5,
    exclude_claim: int | None = None,
    kinds: tuple[str, ...] = ("own", "external"),
    index: MatchIndex | None = None,
) -> list[Candidate]:
    """The best ``limit`` candidates for ``text``, read from the database (two queries)."""
    index = index or matching_index()
    if not index.ready:
        return []
    exclude = frozenset({("own", exclude_claim)}) if exclude_claim else frozenset()
    # Ask for a few more than shown: some may have gone from the database since indexed.
    ranked = index.search(text, limit + 5, exclude=exclude, kinds=kinds)
    own_ids = [key[1] for key, _, _ in ranked if key[0] == "own"]
    external_ids = [key[1] for key, _, _ in ranked if key[0] == "external"]
    own = (
        Claim.objects.filter(pk__in=own_ids, status__in=OWN_STATUSES)
        .select_related("rating", "article")
        .in_bulk()
        if own_ids
        else {}
    )
    external = ExternalFactCheck.objects.in_bulk(external_ids) if external_ids else {}
    out: list[Candidate] = []
    for (kind, pk), score, similarity in ranked:
        if kind == "own" and pk in own:
            claim = own[pk]
            rating = getattr(claim, "rating", None)
            out.append(
                Candidate(
                    kind="own",
                    pk=pk,
                    url=_own_url(claim),
                    score=round(score, 4),
                    similarity=similarity,
                    text=claim.text,
                    rating=str(rating) if rating else "",
                    publisher="",
                    date=None,
                    status=claim.get_status_display(),
                    obj=claim,
                )
            )
        elif kind == "external" and pk in external:
            row = external[pk]
            out.append(
                Candidate(
                    kind="external",
                    pk=pk,
                    url=row.url,
                    score=round(score, 4),
                    similarity=similarity,
                    text=row.claim_reviewed or row.headline,
                    headline=row.headline,
                    rating=row.rating_label,
                    publisher=row.publisher_name,
                    date=row.date_published,
                    obj=row,
                )
            )
        if len(out) >= limit:
            break
    return out


def matches_for_claim(claim: Claim, *, limit: int = 5) -> list[Candidate] | None:
    """Earlier checks of a claim's wording (the claim itself left out); ``None`` while this
    process's index is still being built in the background."""
    index = matching_index(wait=False)
    if not index.ready:
        return None
    return matches_for_text(claim.text, limit=limit, exclude_claim=claim.pk, index=index)
