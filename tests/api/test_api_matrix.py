"""Every API endpoint, every persona (with their own API token): the status each must get.

A named ``api:`` URL without a row here fails ``test_every_api_url_is_in_the_matrix``.
Reads are GETs; the two POST endpoints are sent a valid body. Anonymous callers get 401 on
the desk's endpoints (not a redirect to log in: a program cannot log in), signed-in roles
without the permission 403.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Appearance, Claim, Claimant, Verdict
from reader.selectors import claim_path
from tests.api.test_ingest import TEXT
from tests.conftest import PERSONAS
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    IngestJobFactory,
    LinkCheckFactory,
    LinkFactory,
    SourceFactory,
    VerdictFactory,
    published_claim,
)
from tests.test_authorization_matrix import _named_patterns

OK, UNAUTHORIZED, FORBIDDEN, LOGIN = 200, 401, 403, "login"

_EVERYONE = dict.fromkeys(PERSONAS, OK)


def _claim_with_verdict(state: str = Verdict.State.DRAFT) -> dict:
    """A claim with an open verdict by someone else (in review; or awaiting approval)."""
    awaiting = state == Verdict.State.AWAITING_APPROVAL
    status = Claim.Status.AWAITING_APPROVAL if awaiting else Claim.Status.IN_REVIEW
    return {"pk": VerdictFactory(claim=ClaimFactory(status=status), state=state).claim_id}


_DESK = {
    "anonymous": UNAUTHORIZED,
    "outsider": FORBIDDEN,
    "reader": FORBIDDEN,
    "reviewer": OK,
    "editor": OK,
    "admin": OK,
}
# Sources written by admins only (sources.add_source / change_source).
_SOURCE_ADMINS = {**_DESK, "reviewer": FORBIDDEN, "editor": FORBIDDEN}


def _added_appearance() -> dict:
    claim = ClaimFactory()
    return {"pk": Appearance.objects.create(claim=claim, kind="other", description="A flyer.").pk}


def _evidence_snapshot(warc: str = "") -> dict:
    from django.utils import timezone

    from sources.models import Snapshot

    evidence = EvidenceFactory()
    snapshot = Snapshot.objects.create(
        link=evidence.link,
        url=evidence.link.url,
        state=Snapshot.State.DONE,
        requested_at=timezone.now(),
        fetched_at=timezone.now(),
        kind=Snapshot.Kind.HTML,
        text=f"Before. {evidence.quote} After.",
        warc_name=warc,
    )
    return {"pk": evidence.pk, "snapshot_pk": snapshot.pk}


def _cited_link() -> int:
    from claims.models import CitedLink

    link = LinkFactory()
    return CitedLink.objects.create(
        article=ArticleFactory(), link=link, href=link.url, anchor_text="a", start=0, end=1
    ).pk


# name -> (method, kwargs maker, body maker, {persona: expected status})
MATRIX = {
    "api:fact-check-list": ("get", dict, None, _EVERYONE),
    "api:fact-check-detail": ("get", lambda: {"pk": published_claim().pk}, None, _EVERYONE),
    "api:claim-list": ("get", dict, None, _DESK),
    "api:claim-detail": ("get", lambda: {"pk": ClaimFactory().pk}, None, _DESK),
    # Writes (tests/api/test_writes.py), each with the version of a fresh object (1).
    "api:claim-actions": (
        "post",
        lambda: {"pk": ClaimFactory().pk},
        lambda: {"action": "start_review", "version": 1},
        _DESK,
    ),
    # GET lists; POST adds (EXTRA).
    "api:claim-evidence": ("get", lambda: {"pk": ClaimFactory().pk}, None, _DESK),
    # GET the open version; PUT drafts (EXTRA).
    "api:claim-verdict": ("get", _claim_with_verdict, None, _DESK),
    "api:verdict-submit": ("post", _claim_with_verdict, lambda: {"version": 1}, _DESK),
    # Editors (and admins) approve; the verdict's author is someone else (four-eyes).
    "api:verdict-publish": (
        "post",
        lambda: _claim_with_verdict(Verdict.State.AWAITING_APPROVAL),
        lambda: {"version": 1},
        {**_DESK, "reviewer": FORBIDDEN},
    ),
    # GET reads; PATCH corrects (EXTRA).
    "api:evidence-detail": ("get", lambda: {"pk": EvidenceFactory().pk}, None, _DESK),
    "api:evidence-remove": (
        "post",
        lambda: {"pk": EvidenceFactory().pk},
        lambda: {"reason": "Added by mistake.", "version": 1},
        {**_DESK, "reviewer": 204, "editor": 204, "admin": 204},
    ),
    # GET lists (reviewers); POST ingests (the ingest permission: the same roles), 201.
    "api:article-list": ("get", dict, None, _DESK),
    # GET reads; PATCH corrects the language (EXTRA).
    "api:article-detail": ("get", lambda: {"pk": ArticleFactory().pk}, None, _DESK),
    "api:ingest-job-detail": ("get", lambda: {"pk": IngestJobFactory().pk}, None, _DESK),
    "api:link-list": ("get", dict, None, _DESK),
    "api:link-detail": ("get", lambda: {"pk": LinkFactory().pk}, None, _DESK),
    "api:source-list": ("get", dict, None, _DESK),
    "api:source-detail": ("get", lambda: {"pk": SourceFactory().pk}, None, _DESK),
    "api:checked-before": ("post", dict, lambda: {"text": "The council spent 4 million."}, _DESK),
    # Claimants and appearances (tests/api/test_resources.py).
    "api:claimant-list": ("get", dict, None, _DESK),
    "api:claimant-detail": (
        "get",
        lambda: {"pk": Claimant.objects.create(name="Jane Roe").pk},
        None,
        _DESK,
    ),
    "api:claim-claimant": (
        "put",
        lambda: {"pk": ClaimFactory().pk},
        lambda: {"claimant": None, "version": 1},
        _DESK,
    ),
    # GET lists; POST adds (EXTRA).
    "api:claim-appearances": ("get", lambda: {"pk": ClaimFactory().pk}, None, _DESK),
    "api:appearance-remove": (
        "post",
        _added_appearance,
        lambda: {"version": 1},
        {**_DESK, "reviewer": 204, "editor": 204, "admin": 204},
    ),
    "api:link-checks": ("get", lambda: {"pk": LinkCheckFactory().link_id}, None, _DESK),
    # Evidence snapshots (tests/api/test_snapshots.py): the list and one snapshot; its WARC
    # file is missing here (404 for the desk: the file cannot be read, 401/403 for others).
    "api:evidence-snapshots": ("get", lambda: {"pk": EvidenceFactory().pk}, None, _DESK),
    "api:evidence-snapshot-detail": ("get", lambda: _evidence_snapshot(), None, _DESK),
    "api:evidence-snapshot-warc": (
        "get",
        lambda: _evidence_snapshot(warc="missing.warc.gz"),
        None,
        {**_DESK, "reviewer": 404, "editor": 404, "admin": 404},
    ),
    "api:cited-link-snapshot": (
        "post",
        lambda: {"pk": _cited_link()},
        dict,
        {**_DESK, "reviewer": 202, "editor": 202, "admin": 202},
    ),
    # oEmbed: public; a published claim's page address (tests/api/test_oembed.py).
    "api:oembed": (
        "get",
        dict,
        lambda: {"url": f"http://testserver{claim_path(published_claim())}"},
        _EVERYONE,
    ),
    "api:schema": ("get", dict, None, _EVERYONE),
    "api:docs": ("get", dict, None, _EVERYONE),
    # The tokens page is an HTML page of the site (tests/test_authorization_matrix.py too).
    "api:tokens": (
        "get",
        dict,
        None,
        {**_DESK, "anonymous": LOGIN},
    ),
    # POST-only, one's own tokens: tests/api/test_tokens.py.
    "api:token_revoke": None,
    # Webhooks: the admins' HTML pages, every persona in tests/test_authorization_matrix.py;
    # their POST-only buttons in tests/api/test_webhooks.py.
    "api:webhooks": None,
    "api:webhook_detail": None,
    "api:webhook_test": None,
    "api:webhook_active": None,
}
EXTRA = [
    (
        "api:claim-evidence",
        "post",
        lambda: {"pk": ClaimFactory().pk},
        lambda: {"url": "https://stats.example.org/report", "stance": "refutes"},
        {**_DESK, "reviewer": 201, "editor": 201, "admin": 201},
    ),
    (
        "api:claim-verdict",
        "put",
        lambda: {"pk": ClaimFactory(status=Claim.Status.IN_REVIEW).pk},
        lambda: {
            "rating": "false",
            "summary": "Wrong.",
            "rationale": "The accounts.",
            "version": 0,
        },
        _DESK,
    ),
    (
        "api:evidence-detail",
        "patch",
        lambda: {"pk": EvidenceFactory().pk},
        lambda: {"stance": "supports", "version": 1},
        _DESK,
    ),
    (
        "api:article-list",
        "post",
        dict,
        lambda: {"text": TEXT},
        {**_DESK, "reviewer": 201, "editor": 201, "admin": 201},
    ),
    (
        "api:article-detail",
        "patch",
        lambda: {"pk": ArticleFactory(language="en").pk},
        lambda: {"language": "de", "version": 1},
        _DESK,
    ),
    (
        "api:claim-appearances",
        "post",
        lambda: {"pk": ClaimFactory().pk},
        lambda: {"kind": "other", "description": "A leaflet.", "version": 1},
        {**_DESK, "reviewer": 201, "editor": 201, "admin": 201},
    ),
    (
        "api:source-list",
        "post",
        dict,
        lambda: {"name": "Daily Bugle"},
        {**_SOURCE_ADMINS, "admin": 201},
    ),
    (
        "api:source-detail",
        "patch",
        lambda: {"pk": SourceFactory().pk},
        lambda: {"notes": "Local daily.", "version": 1},
        _SOURCE_ADMINS,
    ),
]

CASES = [
    (name, method, make, body, persona, expected[persona])
    for name, row in MATRIX.items()
    if row is not None
    for method, make, body, expected in [row]
    for persona in PERSONAS
] + [
    (name, method, make, body, persona, expected[persona])
    for name, method, make, body, expected in EXTRA
    for persona in PERSONAS
]


def test_every_api_url_is_in_the_matrix():
    names = {name for name in _named_patterns() if name.startswith("api:")}
    assert names == MATRIX.keys()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "make", "body", "persona", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[4]}" for c in CASES],
)
def test_each_persona_gets_the_expected_status(
    name, method, make, body, persona, expected, api_for, client_for
):
    url = reverse(name, kwargs=make())
    if name == "api:tokens":
        response = client_for(persona).get(url)  # a page of the site: the session
    else:
        client = api_for(persona)
        payload = body() if body else None
        response = getattr(client, method)(url, payload, format="json" if payload else None)
    if expected == LOGIN:
        assert response.status_code == 302 and "login" in response["Location"]
        return
    assert response.status_code == expected, (url, persona, response.content[:300])
    if expected >= 400 and name != "api:tokens":
        assert response["Content-Type"] == "application/problem+json"
