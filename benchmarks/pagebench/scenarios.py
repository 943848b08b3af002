"""What the pages benchmark requests: its scenarios, their rates and targets, and the ids
and words of the seeded data they draw their addresses from."""

from __future__ import annotations

import asyncio
import random
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import LOGIN_USER
from .layout import reader_claim_key, topic_model
from .load import http_get
from .seed import load_sentences, zipf_index


@dataclass
class Seeded:
    """What the scenarios need to know about the data."""

    login_user_id: int
    reviewer_ids: list[int]
    claim_ids: list[int]
    published_claim_ids: list[int]
    vocabulary: list[str]
    # The reader site's addresses of published claims, and its home page filters.
    public_claim_paths: list[str] = field(default_factory=list)
    home_filters: dict[str, list[str]] = field(default_factory=dict)


def scenario_data() -> Seeded:
    """Ids and words the scenarios draw from."""
    from collections import Counter

    from django.contrib.auth import get_user_model

    from claims.models import Claim

    User = get_user_model()
    claims = Claim.objects.order_by()
    # Search words: the 1,500 commonest words of five letters or more in the claims' text,
    # as a reviewer would type them (not stemmed), less a few words no one searches for.
    common = {"about", "there", "their", "would", "which", "these", "those", "think", "because",
              "going", "people", "being", "where", "should", "could", "every", "other"}  # fmt: skip
    words = Counter(w.lower() for s in load_sentences() for w in re.findall(r"[A-Za-z]{5,}", s))
    vocabulary = [w for w, _ in words.most_common(1600) if w not in common][:1500]
    published = claims.filter(status=Claim.Status.PUBLISHED).only("id", "text").order_by("pk")
    claim_key = reader_claim_key()  # the reader site's address: /claims/<number>-<words>/
    public_claim_paths = [f"/claims/{claim_key(c) if claim_key else c.pk}/" for c in published]
    home_filters = {}
    try:
        from claims.models import Article, RatingLevel

        Topic = topic_model()
        home_filters = {
            "rating": list(
                RatingLevel.objects.filter(scale__is_active=True).values_list("slug", flat=True)
            ),
            "topic": list(Topic.objects.values_list("slug", flat=True)),
            "publisher": [
                str(pk)
                for pk in Article.objects.exclude(publisher=None)
                .values_list("publisher_id", flat=True)
                .distinct()
            ],
        }
    except ImportError:
        pass
    return Seeded(
        login_user_id=User.objects.get(username=LOGIN_USER).pk,
        reviewer_ids=list(
            User.objects.filter(username__startswith="bench-").values_list("pk", flat=True)
        ),
        claim_ids=list(claims.values_list("pk", flat=True)),
        published_claim_ids=list(
            claims.filter(status=Claim.Status.PUBLISHED).values_list("pk", flat=True)
        ),
        vocabulary=vocabulary,
        public_claim_paths=public_claim_paths,
        home_filters=home_filters,
    )


@dataclass
class Scenario:
    key: str
    name: str
    rate: float
    target_ms: float
    paths: Callable[[int], str]
    anonymous: bool = False
    describe: str = ""
    not_measured: str = ""  # why, when the page is not there
    # "cold": the reader cache is emptied first; "warm": published pages are prerendered first.
    cache: str = ""
    baseline: bool = False  # printed for comparison; its target does not set the exit status
    token: bool = False  # the bench reviewer's API token (Authorization: Bearer), not a session


def scenarios(data: Seeded, rng: random.Random) -> list[Scenario]:
    queue = "/review/claims/"
    statuses = ["new", "in_review", "awaiting_approval", "published"]

    def unfiltered(i: int) -> str:
        r = rng.random()
        if r < 0.6:
            return queue
        if r < 0.85:
            return f"{queue}?page={rng.randint(2, 20)}"
        return f"{queue}?o={rng.choice(['-score', 'score', '-created', '-updated'])}"

    def filtered(i: int) -> str:
        lo = rng.choice([0.3, 0.4, 0.5, 0.6, 0.7])
        hi = min(1.0, round(lo + rng.choice([0.2, 0.3, 0.5]), 2))
        who = rng.choice(["mine", "unassigned", str(rng.choice(data.reviewer_ids))])
        return f"{queue}?status={rng.choice(statuses)}&assignee={who}&score_min={lo}&score_max={hi}"

    def api_filtered(i: int) -> str:
        return "/api/v1/claims/" + filtered(i)[len(queue) :]

    def api_fact_checks(i: int) -> str:
        r = rng.random()
        if r < 0.7:
            return "/api/v1/fact-checks/"
        return f"/api/v1/fact-checks/?page_size={50 if r < 0.9 else 100}"

    def search(i: int) -> str:
        vocab = data.vocabulary
        words = [vocab[zipf_index(rng, len(vocab), 1.0)]]
        if rng.random() < 0.3:
            words.append(vocab[zipf_index(rng, len(vocab), 1.0)])
        return f"{queue}?q={urllib.parse.quote_plus(' '.join(words))}"

    def claim_page(i: int) -> str:
        return f"/review/claims/{rng.choice(data.claim_ids)}/"

    claim_paths = data.public_claim_paths[:]
    rng.shuffle(claim_paths)  # popularity does not follow the claim number

    def public_claim(i: int) -> str:
        return claim_paths[zipf_index(rng, len(claim_paths))]

    # The reader home: a fixed set of filter combinations, the popular ones far more often.
    filters = data.home_filters
    home_urls = ["/", "/?page=2", "/?page=3"]
    for name in ("rating", "topic", "publisher"):
        home_urls += [f"/?{name}={value}" for value in filters.get(name, [])]
    for rating in filters.get("rating", []):
        home_urls += [f"/?rating={rating}&topic={topic}" for topic in filters.get("topic", [])]
    home_urls += [f"/?q={word}" for word in data.vocabulary[:100]]
    home_urls += [f"/?rating={r}&page=2" for r in filters.get("rating", [])]
    home_order = home_urls[:3] + rng.sample(home_urls[3:], len(home_urls) - 3)

    def public_home(i: int) -> str:
        return home_order[zipf_index(rng, len(home_order))]

    return [
        Scenario("queue", "queue, unfiltered", 30, 150, unfiltered,
                 describe="page 1 (60 %), pages 2-20 (25 %), sorted by score/date (15 %)"),
        Scenario("filtered", "queue, filtered", 30, 150, filtered,
                 describe="status + assignee (mine/unassigned/a reviewer) + score range"),
        Scenario("search", "queue, text search", 5, 300, search,
                 describe="?q= one word (70 %) or two, Zipf over the 1,500 commonest words"),
        Scenario("claim", "claim page (workbench)", 20, 50, claim_page,
                 describe="/review/claims/<id>/, uniform over all claims"),
        Scenario("public_claim_cold", "public claim page, cold cache (baseline)", 200, 25,
                 public_claim, anonymous=True, cache="cold", baseline=True,
                 describe="the same requests with the reader cache emptied first"),
        Scenario("public_claim", "public claim page", 200, 25, public_claim, anonymous=True,
                 cache="warm",
                 describe="/claims/<number>-<words>/, Zipf over the published claims, "
                          "after manage.py warm_reader_cache"),
        Scenario("public_home", "public home, filters", 30, 100, public_home, anonymous=True,
                 describe="/ with rating, topic, publisher, rating + topic, search, pages; Zipf"),
        Scenario("api_fact_checks", "API fact-checks, public", 30, 100, api_fact_checks,
                 anonymous=True,
                 describe="/api/v1/fact-checks/ (70 %), ?page_size=50 (20 %) or 100; no token"),
        Scenario("api_claims", "API claims, filtered", 30, 150, api_filtered, token=True,
                 describe="/api/v1/claims/ with the filtered queue's parameters, a reviewer's "
                          "API token"),
    ]  # fmt: skip


def probe_public(scenario: Scenario, port: int) -> str:
    """Why a public page cannot be measured ('' when it can)."""
    from django.urls import Resolver404, resolve

    path = scenario.paths(0).split("?", 1)[0]
    try:
        resolve(path)
    except Resolver404:
        return f"{path} has no URL route yet (public pages are being built)"
    status, _, _ = asyncio.run(http_get(port, path, None))
    if status != 200:
        return f"{path} answers {status} to an anonymous reader"
    return ""
