"""The reviewer's claim page in the order of the work: the claim in its context, the review
actions, the evidence (with the article's cited links, each one click from the evidence form),
the verdict, the notes and the history; a stance that is always chosen, a history in words,
and a page whose number of queries does not grow with what the claim has collected."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import actions
from audit.models import AuditEvent
from claims import services
from claims.models import Appearance, CitedLink, Evidence
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.audit.test_labels import CODE, action_codes_in_code
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    NoteFactory,
    rating_level,
)

pytestmark = pytest.mark.django_db


def _page(client, claim, query: str = "") -> str:
    response = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk}) + query)
    assert response.status_code == 200
    return response.content.decode()


def _user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def _cite(article, words: str, url: str, claim=None) -> CitedLink:
    start = article.text.index(words)
    return CitedLink.objects.create(
        article=article,
        link=LinkFactory(url=url, host=url.split("/")[2]),
        href=url,
        anchor_text=words,
        start=start,
        end=start + len(words),
        claim=claim,
    )


# ------------------------------------------------------------------------------ order


def test_the_page_follows_the_work(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    html = _page(client, claim)
    markers = [
        'id="context-heading"',  # the claim in its article
        'id="claimant-heading"',  # who said it
        'id="appearances-heading"',  # where and when
        ">Start review</button>",  # the review actions
        'id="assign-heading"',
        'id="evidence-heading"',
        'id="cited-heading"',  # the article's links, next to the evidence form
        'id="add-evidence"',
        'id="verdict-heading"',
        'id="notes-heading"',
        'id="history-heading"',
    ]
    positions = [html.index(marker) for marker in markers]
    assert positions == sorted(positions), [
        m for m, _ in sorted(zip(markers, positions, strict=True), key=lambda p: p[1])
    ]


# What a keyboard stops at (the browser test tests/e2e/test_claim_page_keyboard.py presses Tab).
FOCUSABLE = re.compile(
    r"<a\s[^>]*href=|<button\b|<select\b|<textarea\b|<summary\b"
    r"|<input\b(?![^>]*type=\"hidden\")"
)


def test_start_review_is_a_few_tab_stops_from_the_heading(client_for):
    claim = ClaimFactory()
    html = _page(client_for("reviewer"), claim)
    between = html[html.index("<h1") : html.index(">Start review</button>")]
    # Skip what is not shown (the hidden "Make a claim" form of the selection popup).
    between = re.sub(r"<form[^>]*\shidden>.*?</form>", "", between, flags=re.S)
    # Collapsed <details> hide their forms: only their summary is a stop.
    between = re.sub(r"(<summary>.*?</summary>).*?</details>", r"\1", between, flags=re.S)
    stops = FOCUSABLE.findall(between)
    assert len(stops) <= 5, stops


# ------------------------------------------------------------------------------ stance


def test_the_evidence_form_has_no_default_stance(client_for):
    html = _page(client_for("reviewer"), ClaimFactory())
    form = html[html.index('id="add-evidence"') :]
    select = form[form.index('<select name="stance"') : form.index("</select>")]
    assert '<option value="" selected>Choose…</option>' in select
    assert select.count(" selected") == 1


def test_evidence_without_a_stance_is_refused_with_the_input_kept(client_for):
    claim = ClaimFactory()
    response = client_for("reviewer").post(
        reverse("claims:evidence_add", kwargs={"pk": claim.pk}),
        {"url": "https://example.org/audit", "stance": "", "quote": "3.1 million"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose whether it supports, refutes or gives context." in html
    assert 'value="https://example.org/audit"' in html and "3.1 million</textarea>" in html
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("stance", ["", "maybe"])
def test_the_service_refuses_evidence_without_a_stance(reviewer, stance):
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(
            claim=ClaimFactory(), user=reviewer, url="https://example.org/a", stance=stance
        )
    assert "stance" in caught.value.message_dict
    assert not Evidence.objects.exists()


# ------------------------------------------------------------------------- cited links


def _article_with_links():
    article = ArticleFactory(
        text="The city spent 4.2 million on roads, says the audit.\n\n"
        "Officials said the budget report was audited in 2023."
    )
    claim = ClaimFactory(article=article)
    later = _cite(article, "budget report", "https://city.example.org/budget")
    own = _cite(article, "the audit", "https://audit.example.org/2023", claim=claim)
    return claim, own, later


def test_the_articles_cited_links_are_listed_this_claims_first(client_for):
    claim, own, later = _article_with_links()
    html = _page(client_for("reviewer"), claim)
    links = html[html.index('id="cited-links"') : html.index('id="add-evidence"')]
    assert links.index(own.link.url) < links.index("Elsewhere in the article (1)")
    assert links.index("Elsewhere in the article (1)") < links.index(later.link.url)
    for cited in (own, later):
        assert f"?cite={cited.pk}#add-evidence" in links
    assert links.count(">Add as evidence<") == 2


def test_add_as_evidence_opens_the_form_prefilled_without_a_stance(client_for):
    claim, own, _ = _article_with_links()
    client = client_for("reviewer")
    html = _page(client, claim, f"?cite={own.pk}")
    form = html[html.index('id="add-evidence"') :]
    assert f'value="{own.link.url}"' in form
    assert "Cited in the article as “the audit”." in form
    select = form[form.index('<select name="stance"') : form.index("</select>")]
    assert "autofocus" in select and '<option value="" selected>Choose…</option>' in select
    # htmx asks for the workspace alone.
    fragment = client.get(
        reverse("claims:claim_detail", kwargs={"pk": claim.pk}) + f"?cite={own.pk}",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="workspace"') and own.link.url in fragment
    # An unknown or foreign cited link opens the empty form.
    other = _cite(ArticleFactory(), "city", "https://other.example.org/")
    html = _page(client, claim, f"?cite={other.pk}")
    assert "https://other.example.org/" not in html[html.index('id="add-evidence"') :]


def test_a_cited_link_added_as_evidence_goes_through_the_service(client_for):
    claim, own, _ = _article_with_links()
    client = client_for("reviewer")
    version = claim.version
    response = client.post(
        reverse("claims:evidence_add", kwargs={"pk": claim.pk}),
        {"url": own.link.url, "stance": "supports", "note": "Cited in the article."},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=claim)
    assert evidence.link_id == own.link_id and evidence.stance == "supports"
    assert AuditEvent.objects.filter(action="claims.evidence.added", claim_id=claim.pk).exists()
    claim.refresh_from_db()
    assert claim.version > version  # versioned like every change of the claim's evidence
    html = _page(client, claim)
    links = html[html.index('id="cited-links"') : html.index('id="add-evidence"')]
    assert "Already evidence" in links and f"?cite={own.pk}" not in links


# ----------------------------------------------------------------------------- history


def test_every_action_a_claims_history_can_show_has_a_label():
    # The codes filed under a claim: the claims app's and the evidence-at-risk flags.
    codes = [
        code for code in action_codes_in_code() if code.startswith(("claims.", "sources.evidence."))
    ]
    assert "claims.claim.submitted" in codes and "claims.evidence.added" in codes
    registered = actions.registered()
    unlabelled = sorted(code for code in codes if code not in registered)
    assert unlabelled == []
    for code in codes:
        assert not CODE.search(actions.label(code)), code


def _history(html: str) -> str:
    section = html[html.index('id="history-heading"') :]
    return section[: section.index("</section>")]


def test_the_history_speaks_in_words_and_lists_each_action_once(client_for, editor):
    client = client_for("reviewer")
    me = _user(client)
    claim = ClaimFactory()
    services.claim_start_review(claim=claim, user=me, version=NO_VERSION_CHECK)
    evidence = services.evidence_add(
        claim=claim, user=me, url="https://example.org/a", stance="refutes"
    )
    services.evidence_edit(evidence=evidence, user=me, stance="context", version=1)
    services.verdict_save(
        claim=claim,
        user=me,
        rating=rating_level("false"),
        summary="s",
        rationale="r",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=me, version=NO_VERSION_CHECK)
    services.claim_return_to_review(claim=claim, user=editor, version=NO_VERSION_CHECK)
    services.claim_submit_for_approval(claim=claim, user=me, version=NO_VERSION_CHECK)
    history = _history(_page(client, claim))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", history))
    assert not CODE.search(text), text
    for raw in ("awaiting_approval", "in_review", "refutes →", "→ context"):
        assert raw not in text, raw
    for words in (
        "started the review",
        "added evidence",
        "edited evidence",
        "Refutes the claim → Gives context",
        "drafted a verdict",
        "submitted the verdict for approval",
        "returned the verdict to its author",
        "In review → Awaiting approval",
    ):
        assert words in text, words
    entries = re.findall(r"<li>\s*<p><time.*?</p>", history, flags=re.S)
    # Seven actions, each once (the claim's status change is shown within the verdict's).
    assert len(entries) == 7
    assert text.count("submitted the verdict for approval") == 2


# ----------------------------------------------------------------------------- queries


def _grow(claim, user, n: int) -> None:
    """``n`` more pieces of evidence, cited links, notes, appearances and history entries."""
    article = claim.article
    for i in range(n):
        EvidenceFactory(claim=claim, link=LinkFactory(), added_by=user)
        start = article.text.index("Officials")
        CitedLink.objects.create(
            article=article,
            link=LinkFactory(),
            href=f"https://x{i}.example/",
            anchor_text="Officials",
            start=start,
            end=start + 9,
            claim=claim if i % 2 else None,
        )
        NoteFactory(claim=claim, author=user, body=f"Note {i}")
        elsewhere = ArticleFactory()
        Appearance.objects.create(
            claim=claim, kind="article", article=elsewhere, start=0, end=5, added_by=user
        )
        AuditEvent.objects.create(
            actor=user, action="claims.note.added", claim_id=claim.pk, changes={"n": i}
        )


def _queries(client, claim) -> int:
    with CaptureQueriesContext(connection) as queries:
        _page(client, claim)
    return len(queries)


def test_the_page_costs_the_same_queries_whatever_the_claim_has_collected(client_for):
    client = client_for("reviewer")
    me = _user(client)
    claim = ClaimFactory()
    services.claim_start_review(claim=claim, user=me, version=NO_VERSION_CHECK)
    _grow(claim, me, 1)
    _page(client, claim)  # warm the session, content types and cached lists
    few = _queries(client, claim)
    _grow(claim, me, 12)
    many = _queries(client, claim)
    assert Evidence.objects.filter(claim=claim).count() == 13
    assert many == few, (few, many)
