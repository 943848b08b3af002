"""Demonstration data for ``make run``: one account per role and the example article."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from claims.services import article_ingest
from factcheck.lib.roles import ADMIN, EDITOR, READER, REVIEWER, role_assign, roles_sync

DEMO_DIR = Path(__file__).resolve().parent / "fixtures" / "demo"
DEMO_USERS = (
    ("demo-reader", READER),
    ("demo-reviewer", REVIEWER),
    ("demo-editor", EDITOR),
    # A second editor, so four-eyes approval can be tried on the demo.
    ("demo-editor2", EDITOR),
    ("demo-admin", ADMIN),
)
DEMO_ARTICLE = {
    "file": "nato-troops-in-ukraine.txt",
    "title": "NATO Troops in Ukraine: Exploring the Presence of International Forces",
    "author": "The Prepared Homestead (example blog post)",
}


@dataclass
class DemoReport:
    new_passwords: dict[str, str] = field(default_factory=dict)
    existing_users: list[str] = field(default_factory=list)
    articles: list[tuple[str, bool]] = field(default_factory=list)
    # Claims of the demo article taken through the review workflow by this run.
    reviewed: int = 0


@transaction.atomic
def demo_seed() -> DemoReport:
    """Create what is missing; never reset an existing account's password."""
    report = DemoReport()
    roles_sync()
    User = get_user_model()
    for username, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password)
            report.new_passwords[username] = password
        else:
            report.existing_users.append(username)
        role_assign(user, role)
    # The full pipeline, as for an uploaded file: decode, split, score, claims.
    path = DEMO_DIR / DEMO_ARTICLE["file"]
    result = article_ingest(
        title=DEMO_ARTICLE["title"],
        file_bytes=path.read_bytes(),
        filename=path.name,
        author=DEMO_ARTICLE["author"],
        is_demo=True,
    )
    report.articles.append((result.article.slug, result.created))
    demo_sources()
    report.reviewed = demo_review(result.article)
    demo_reader_details(result.article)
    return report


# The example article carried through the workflow. Every verdict says it is a demonstration.
DEMO_NOTE = "Demonstration verdict, written to show the workbench: not a real fact-check."
DEMO_REVIEWS = [
    {
        "passage": "The presence of NATO troops in Ukraine has become a subject of "
        "international debate and speculation.",
        "author": "demo-editor",
        "approver": "demo-editor2",
        "rating": "mostly-true",
        "summary": "(Demo) There is a public debate, but about whether allies might send "
        "troops, not about a NATO deployment.",
        "rationale": "Allied leaders have publicly discussed whether troops could be sent; NATO "
        "as an alliance describes its support as political, financial and military aid and "
        "training, not a deployment of its forces in Ukraine.",
        "evidence": [
            ("https://www.nato.int/cps/en/natohq/topics_37750.htm", "context"),
            ("https://en.wikipedia.org/wiki/Ukraine%E2%80%93NATO_relations", "context"),
        ],
        "publish": True,
        # Then corrected, so the reader site's corrections log has an entry to show.
        "correction": {
            "author": "demo-editor",
            "approver": "demo-editor2",
            "rating": "mixed",
            "summary": "(Demo) The debate is about whether individual allies might send "
            "troops; NATO as an alliance has no troops deployed in Ukraine.",
            "note": "(Demo) The first version rated this Mostly true. The debate it mentions is "
            "about individual allies, not NATO troops, so the claim is only partly accurate.",
        },
    },
    {
        "passage": "The assistance provided by NATO troops signifies support for Ukraine\u2019s "
        "territorial integrity and sovereignty.",
        "author": "demo-reviewer",
        "approver": "demo-editor",
        "rating": "unsupported",
        "summary": "(Demo) The article cites no source for assistance by NATO troops in Ukraine.",
        "rationale": "The post names no deployment, unit or source. Support by individual allies "
        "(equipment, training outside Ukraine) is documented; assistance by NATO troops in "
        "Ukraine is not.",
        "evidence": [("https://www.nato.int/cps/en/natohq/topics_37750.htm", "refutes")],
        "publish": True,
    },
    {
        "passage": "Collaborating with NATO forces offers an opportunity to enhance their "
        "military capabilities and gain valuable expertise.",
        "author": "demo-reviewer",
        "rating": "mixed",
        "summary": "(Demo) Joint training exists, mostly outside Ukraine.",
        "rationale": "Draft: training programmes run by allies are documented; check where.",
        "evidence": [],
        "note": "@demo-editor could you look at the training sources before I submit?",
        "publish": False,
    },
]


def _demo_claim(article, passage: str, user):
    from claims.models import Claim
    from claims.services import claim_create_from_selection

    start = article.text.find(passage)
    if start < 0:
        return None
    end = start + len(passage)
    existing = Claim.objects.filter(article=article, start=start, end=end).first()
    if existing is not None:
        return existing
    covering = Claim.objects.filter(article=article, start__lte=start, end__gte=end).first()
    if covering is not None:  # the model found a longer passage: review that claim
        return covering
    if Claim.objects.filter(article=article, start__lt=end, end__gt=start).exists():
        return None
    return claim_create_from_selection(
        article=article, start=start, end=end, text=passage, user=user
    )


def demo_review(article) -> int:
    """Evidence, notes and verdicts on a few claims of the demo article (once)."""
    from claims import services
    from claims.models import RatingLevel, Verdict

    if Verdict.objects.filter(claim__article=article).exists():
        return 0
    levels = {level.slug: level for level in RatingLevel.objects.filter(scale__is_active=True)}
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    done = 0
    for review in DEMO_REVIEWS:
        author = users[review["author"]]
        claim = _demo_claim(article, review["passage"], author)
        if claim is None or review["rating"] not in levels:
            continue  # the model found other sentences, or the default scale was replaced
        services.claim_start_review(claim=claim, user=author, version=services.NO_VERSION_CHECK)
        for url, stance in review["evidence"]:
            services.evidence_add(claim=claim, user=author, url=url, stance=stance, note=DEMO_NOTE)
        if review.get("note"):
            services.note_add(claim=claim, user=author, body=review["note"])
        services.verdict_save(
            claim=claim,
            user=author,
            rating=levels[review["rating"]],
            summary=review["summary"],
            rationale=f"{review['rationale']}\n\n{DEMO_NOTE}",
            version=services.NO_VERSION_CHECK,
        )
        if review["publish"]:
            services.claim_submit_for_approval(
                claim=claim, user=author, version=services.NO_VERSION_CHECK
            )
            services.claim_publish(
                claim=claim, user=users[review["approver"]], version=services.NO_VERSION_CHECK
            )
        correction = review.get("correction")
        if correction and correction["rating"] in levels:
            corrector = users[correction["author"]]
            services.verdict_save(
                claim=claim,
                user=corrector,
                rating=levels[correction["rating"]],
                summary=correction["summary"],
                rationale=f"{review['rationale']}\n\n{DEMO_NOTE}",
                correction_note=correction["note"],
                version=services.NO_VERSION_CHECK,
            )
            services.claim_submit_for_approval(
                claim=claim, user=corrector, version=services.NO_VERSION_CHECK
            )
            services.claim_publish(
                claim=claim, user=users[correction["approver"]], version=services.NO_VERSION_CHECK
            )
        done += 1
    return done


DEMO_PUBLISHER = "The Prepared Homestead (demo)"
DEMO_TOPICS = ("Ukraine", "Security and defence")


def demo_reader_details(article) -> None:
    """A publisher and topics for the demo article, so the reader site's filters have
    something to offer (once: a reviewer's later changes are kept)."""
    from claims import services
    from sources.models import Source

    if article.publisher_id or article.topics.exists():
        return
    publisher = Source.objects.filter(name=DEMO_PUBLISHER).first()
    if publisher is None:
        publisher = Source(
            name=DEMO_PUBLISHER,
            kind=Source.Kind.BLOG,
            notes="Demonstration content: the publisher of the example article.",
        )
        publisher.full_clean()
        publisher.save()
    editor = get_user_model().objects.get(username="demo-editor")
    topics = [services.topic_get_or_create(name=name) for name in DEMO_TOPICS]
    services.article_reader_details_update(
        article=article,
        user=editor,
        topics=topics,
        publisher=publisher,
        version=services.NO_VERSION_CHECK,
    )


# The publishers the demo evidence cites, registered with a (demonstration) rating so the
# sources registry, the evidence's "rated ... when added" and the source statistics show
# something. Not an assessment of these organisations.
DEMO_SOURCES = (
    {
        "name": "NATO",
        "kind": "government",
        "home_url": "https://www.nato.int/",
        "domains": ["nato.int"],
        "rating": "high",
        "rating_rationale": "(Demo) Demonstration rating, not an assessment: primary source "
        "for the alliance's own statements and deployments.",
    },
    {
        "name": "Wikipedia",
        "kind": "other",
        "home_url": "https://en.wikipedia.org/",
        "domains": ["wikipedia.org"],
        "rating": "mixed",
        "rating_rationale": "(Demo) Demonstration rating, not an assessment: a starting point "
        "whose cited sources are what evidence should rest on.",
    },
)


def demo_sources() -> int:
    """Register the demo evidence's publishers (once; an admin's later changes are kept)."""
    from sources import services as source_services
    from sources.models import Source, SourceDomain

    admin = get_user_model().objects.get(username="demo-admin")
    made = 0
    for spec in DEMO_SOURCES:
        if Source.objects.filter(name__iexact=spec["name"]).exists():
            continue
        if SourceDomain.objects.filter(domain__in=spec["domains"]).exists():
            continue
        source_services.source_create(
            user=admin, notes="Demonstration content: registered by the demo data.", **spec
        )
        made += 1
    return made
