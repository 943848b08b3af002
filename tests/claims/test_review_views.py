"""The reviewer workbench's pages: the queue, the claim page and its actions (with and
without htmx), the public article page, and who may do what."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Claim, Evidence, RatingLevel, RatingScale, Verdict
from factcheck.lib.versions import NO_VERSION_CHECK
from sources.models import Link
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    NoteFactory,
    UserFactory,
    rating_level,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = reverse("claims:claim_queue")


def _url(name: str, claim) -> str:
    return reverse(f"claims:{name}", kwargs={"pk": claim.pk})


def _user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def _draft(claim, author, **changes):
    data = {
        "rating": rating_level("false"),
        "summary": "The city spent 3.1 million.",
        "rationale": "The audited accounts say so.",
    } | changes
    return services.verdict_save(claim=claim, user=author, version=NO_VERSION_CHECK, **data)


def _awaiting(claim, author):
    verdict = _draft(claim, author)
    services.claim_submit_for_approval(claim=claim, user=author, version=NO_VERSION_CHECK)
    return verdict


def _assert_csp_clean(html: str) -> None:
    """No inline script, inline style or on*= handler (the CSP would block them)."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert " src=" in tag, tag
    assert not re.search(r"<script\b[^>]*>(?!</script>)", html), "inline script content"
    assert "<style" not in html
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", html, re.I), "an inline style attribute"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.I), "an on*= handler"


# ---------------------------------------------------------------------------- the queue


def _queue_rows(n: int, reviewer):
    article = ArticleFactory()
    claims = []
    for i in range(n):
        claim = ClaimFactory(checkworthiness=i / n)
        claims.append(claim)
        EvidenceFactory(claim=claim, link=LinkFactory(state=Link.State.DEAD if i % 3 else "alive"))
        NoteFactory(claim=claim)
        if i % 2:
            services.claim_assign(
                claim=claim, assignee=reviewer, user=reviewer, version=NO_VERSION_CHECK
            )
    return article, claims


@pytest.mark.parametrize("page_size", [25, 100])
def test_the_queue_costs_the_same_number_of_queries_whatever_the_page_size(
    page_size, client_for, django_assert_num_queries
):
    client = client_for("reviewer")
    _queue_rows(60, _user(client))
    client.get(QUEUE)  # warm the session and content-type caches
    # Session and user, the evidence-at-risk notice (a count: nothing is at risk here), the
    # count, the page of rows. The reviewers and the rating levels the filters offer are
    # kept between requests (claims.selectors.queue_filter_choices).
    with django_assert_num_queries(4):
        response = client.get(f"{QUEUE}?per_page={page_size}&status=&o=-score")
    assert response.status_code == 200
    rows = response.content.decode().count("<tr data-row>")
    assert rows == min(page_size, 60)


def test_the_queue_filters_by_everything_it_offers(client_for, editor):
    client = client_for("reviewer")
    me = _user(client)
    mine = ClaimFactory(text="x", checkworthiness=0.9) if False else None
    article = ArticleFactory(
        text="Taxes rose by 40 percent last year.\n\nThe mayor owns three cars."
    )
    taxes = ClaimFactory(article=article, checkworthiness=0.9)
    cars = ClaimFactory(
        article=article, start=article.text.index("The mayor"), end=len(article.text),
        checkworthiness=0.2,
    )  # fmt: skip
    other = ClaimFactory(checkworthiness=0.5)
    services.claim_assign(claim=taxes, assignee=me, user=me, version=NO_VERSION_CHECK)
    EvidenceFactory(claim=cars, link=LinkFactory(state=Link.State.FAILING))
    _awaiting(other, me)
    services.claim_publish(claim=other, user=editor, version=NO_VERSION_CHECK)
    EvidenceFactory(claim=other, link=LinkFactory(state=Link.State.DEAD))
    del mine

    def shown(query: str) -> set[int]:
        response = client.get(f"{QUEUE}?{query}")
        assert response.status_code == 200
        return {
            int(pk) for pk in re.findall(r'name="claims" value="(\d+)"', response.content.decode())
        }

    assert shown("") == {taxes.pk, cars.pk, other.pk}
    assert shown("assignee=mine") == {taxes.pk, other.pk}
    assert shown("assignee=unassigned") == {cars.pk}
    assert shown(f"assignee={me.pk}") == {taxes.pk, other.pk}
    assert shown(f"article={article.pk}") == {taxes.pk, cars.pk}
    assert shown("score_min=0.4&score_max=0.95") == {taxes.pk, other.pk}
    assert shown("status=published") == {other.pk}
    assert shown(f"rating={rating_level('false').pk}") == {other.pk}
    assert shown("rating=unrated") == {taxes.pk, cars.pk}
    assert shown("link_health=trouble") == {cars.pk, other.pk}
    assert shown("at_risk=yes") == {other.pk}
    assert shown("q=taxes") == {taxes.pk}
    assert shown("q=mayor+cars") == {cars.pk}
    assert shown(f"q=%23{cars.pk}") == {cars.pk}
    assert shown("created_from=2000-01-01&updated_to=2999-12-31") == {taxes.pk, cars.pk, other.pk}
    assert shown("created_to=2000-01-01") == set()


def test_the_queue_sorts_by_its_columns(client_for):
    client = client_for("reviewer")
    low, high = ClaimFactory(checkworthiness=0.1), ClaimFactory(checkworthiness=0.8)
    page = client.get(f"{QUEUE}?o=-score").content.decode()
    assert page.index(f"#{high.pk}<") < page.index(f"#{low.pk}<")
    page = client.get(f"{QUEUE}?o=score").content.decode()
    assert page.index(f"#{low.pk}<") < page.index(f"#{high.pk}<")
    assert 'aria-sort="ascending"' in page


def test_bad_filter_values_get_field_errors(client_for):
    page = client_for("reviewer").get(f"{QUEUE}?score_min=0.9&score_max=0.2&created_from=x")
    html = page.content.decode()
    assert page.status_code == 200
    assert "The upper bound is below the lower one." in html
    assert "Enter a valid date." in html


def test_bulk_assign_assigns_the_selected_claims_and_returns_to_the_same_view(client_for, editor):
    client = client_for("reviewer")
    claims = [ClaimFactory() for _ in range(3)]
    response = client.post(
        reverse("claims:claim_bulk_assign"),
        {
            "claims": [c.pk for c in claims[:2]],
            "assignee": editor.pk,
            "next": f"{QUEUE}?status=new",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?status=new"
    assert [c.assignee_id for c in Claim.objects.order_by("pk")] == [editor.pk, editor.pk, None]


def test_bulk_assign_refuses_a_non_reviewer_and_an_offsite_next(client_for, reader):
    client = client_for("reviewer")
    claim = ClaimFactory()
    response = client.post(
        reverse("claims:claim_bulk_assign"),
        {"claims": [claim.pk], "assignee": reader.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == QUEUE
    claim.refresh_from_db()
    assert claim.assignee is None


# ----------------------------------------------------------------------- the claim page


def test_the_claim_page_shows_context_evidence_notes_verdict_and_history(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, quote="3.1 million dollars")
    NoteFactory(claim=claim, body="**Checked** with @persona-reviewer", format="markdown")
    _draft(claim, _user(client))
    html = client.get(_url("claim_detail", claim)).content.decode()
    for text in (
        claim.text,
        "3.1 million dollars",
        "<strong>Checked</strong>",
        "Draft version 1",
        "drafted a verdict",  # the history says it in words, never its code
        "History",
        "Links cited in the article",
    ):
        assert text in html, text
    _assert_csp_clean(html)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids on the page"


def test_adding_evidence_without_script_redirects_back_to_the_claim(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    response = client.post(
        _url("evidence_add", claim),
        {"url": "https://example.org/audit", "stance": "refutes", "quote": "3.1m", "note": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == _url("claim_detail", claim) + "#evidence"
    assert Evidence.objects.get().link.url == "https://example.org/audit"


def test_adding_evidence_with_htmx_returns_the_workspace_fragment(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    response = client.post(
        _url("evidence_add", claim),
        {"url": "https://example.org/audit", "stance": "supports"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="workspace"')
    assert "<html" not in html and "Evidence added." in html
    assert "https://example.org/audit" in html
    _assert_csp_clean(html)


def test_a_duplicate_evidence_url_is_refused_on_the_form_with_the_input_kept(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, link=LinkFactory(url="https://example.org/a"))
    response = client.post(
        _url("evidence_add", claim),
        {"url": "https://example.org/a#x", "stance": "supports", "quote": "kept quote"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "already evidence for this claim" in html
    assert "kept quote" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "", "stance": "supports"}, "Give the evidence&#x27;s web address."),
        ({"url": "https://example.org/", "stance": "maybe"}, "Select a valid choice."),
        ({"url": "javascript:alert(1)", "stance": "supports"}, "is not a web address"),
    ],
)
def test_bad_evidence_gets_field_errors(client_for, data, message):
    response = client_for("reviewer").post(_url("evidence_add", ClaimFactory()), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_verdict_with_a_rating_from_another_scale_is_refused(client_for):
    other = RatingScale.objects.create(name="Old scale")
    stale = RatingLevel.objects.create(
        scale=other, label="Pants", slug="pants", value=0, colour="#b3261e", definition="x"
    )
    response = client_for("reviewer").post(
        _url("verdict_save", ClaimFactory()),
        {"rating": stale.pk, "summary": "S", "rationale": "R", "version": 0},
    )
    assert response.status_code == 400
    assert "This rating is not on the active rating scale." in response.content.decode()
    assert not Verdict.objects.exists()


def test_two_reviewers_saving_the_same_version_one_gets_a_conflict_with_input_kept(client_for):
    first, second = client_for("reviewer"), client_for("editor")
    claim = ClaimFactory()
    verdict = _draft(claim, _user(first))
    form = {
        "rating": rating_level("mostly-false").pk,
        "rationale": "Longer reasoning.",
        "version": verdict.version,
    }
    ok = first.post(_url("verdict_save", claim), {**form, "summary": "First wins."})
    assert ok.status_code == 302
    clash = second.post(_url("verdict_save", claim), {**form, "summary": "Second's words."})
    html = clash.content.decode()
    assert clash.status_code == 409
    assert "Someone else changed this first" in html
    assert "persona-reviewer saved this verdict" in html
    assert "First wins." in html  # what is saved now
    assert 'value="Second&#x27;s words."' in html  # the loser's input, kept in the form
    verdict.refresh_from_db()
    assert verdict.summary == "First wins."
    # Saving again from the refreshed form (the stored version) replaces it knowingly.
    assert 'name="version" value="2"' in html
    again = second.post(
        _url("verdict_save", claim), {**form, "summary": "Second's words.", "version": 2}
    )
    assert again.status_code == 302


def test_a_reviewer_never_sees_the_publish_button_and_gets_403_posting_to_it(client_for, editor):
    client = client_for("reviewer")
    claim = ClaimFactory()
    _awaiting(claim, editor)
    html = client.get(_url("claim_detail", claim)).content.decode()
    assert "Approve and publish" not in html
    assert _url("claim_publish", claim) not in html
    response = client.post(_url("claim_publish", claim), {"version": 3})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL


def test_an_editor_cannot_approve_their_own_verdict_through_the_page(client_for):
    client = client_for("editor")
    claim = ClaimFactory()
    _awaiting(claim, _user(client))
    claim.refresh_from_db()
    html = client.get(_url("claim_detail", claim)).content.decode()
    assert "another editor must approve" in html and "Approve and publish" not in html
    response = client.post(_url("claim_publish", claim), {"version": claim.version}, follow=True)
    assert "another editor must approve it (four-eyes rule)" in response.content.decode()
    assert not Verdict.objects.filter(state="published").exists()


def test_another_editor_approves_and_publishes(client_for, reviewer):
    client = client_for("editor")
    claim = ClaimFactory()
    _awaiting(claim, reviewer)
    claim.refresh_from_db()
    html = client.get(_url("claim_detail", claim)).content.decode()
    assert "Approve and publish" in html
    response = client.post(_url("claim_publish", claim), {"version": claim.version}, **HTMX)
    assert response.status_code == 200 and "Approved and published." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "published"


def test_a_stale_status_change_is_a_conflict(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    services.claim_assign(
        claim=claim, assignee=_user(client), user=_user(client), version=NO_VERSION_CHECK
    )
    response = client.post(_url("claim_start_review", claim), {"version": 1})
    assert response.status_code == 409
    assert "changed since you opened it" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "new"


def test_dismissing_without_a_reason_is_a_field_error(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    response = client.post(_url("claim_dismiss", claim), {"version": 1, "reason": ""})
    assert response.status_code == 400
    assert "Say why the claim is dismissed." in response.content.decode()
    response = client.post(_url("claim_dismiss", claim), {"version": 1, "reason": "Opinion."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "dismissed"


def test_workflow_buttons_move_the_claim_along(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    assert client.post(_url("claim_start_review", claim), {"version": 1}).status_code == 302
    response = client.post(_url("claim_submit", claim), {"version": 2}, follow=True)
    assert "Draft a verdict first" in response.content.decode()
    _draft(claim, _user(client))
    claim.refresh_from_db()
    assert client.post(_url("claim_submit", claim), {"version": claim.version}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == "awaiting_approval"
    response = client.post(_url("claim_return", claim), {"version": claim.version, "reason": "x"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "in_review"


def test_notes_are_added_with_mentions(client_for, editor):
    client = client_for("reviewer")
    claim = ClaimFactory()
    response = client.post(
        _url("note_add", claim), {"body": "Ask @persona-editor", "format": "plain"}, follow=True
    )
    assert "Mentioned: persona-editor." in response.content.decode()
    assert claim.notes.get().mentions.get() == editor


def test_merging_from_the_article_page(client_for):
    client = client_for("reviewer")
    keep = ClaimFactory()
    duplicate = ClaimFactory(article=keep.article, start=keep.end + 2, end=len(keep.article.text))
    response = client.post(
        _url("claim_merge", duplicate),
        {"keep": keep.pk, "reason": "Same thing.", "version": duplicate.version},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == keep
    # A claim of another article is not a merge candidate.
    stranger = ClaimFactory()
    client.post(_url("claim_merge", stranger), {"keep": keep.pk, "reason": "x"})
    stranger.refresh_from_db()
    assert stranger.status == "new"


def test_the_article_page_offers_dismiss_and_merge_and_shows_ratings(client_for, editor):
    client = client_for("reviewer")
    keep = ClaimFactory()
    ClaimFactory(article=keep.article, start=keep.end + 2, end=len(keep.article.text))
    _awaiting(keep, _user(client))
    services.claim_publish(claim=keep, user=editor, version=NO_VERSION_CHECK)
    html = client.get(reverse("claims:article_detail", kwargs={"pk": keep.article_id})).content
    html = html.decode()
    assert "Merge" in html and "Why dismiss claim" in html
    assert f"#{keep.pk} Published · False" in html
    _assert_csp_clean(html)


def test_the_help_page_lists_the_shortcuts(client_for):
    html = client_for("reviewer").get(reverse("claims:help")).content.decode()
    assert "Keyboard shortcuts" in html and "<kbd>j</kbd>" in html
    _assert_csp_clean(html)


def test_rating_colours_are_a_style_sheet(client):
    response = client.get(reverse("rating_styles"))
    assert response["Content-Type"].startswith("text/css")
    assert f".rating-{rating_level('true').pk} {{ background: #1b6e3a; color: #ffffff;" in (
        response.content.decode()
    )


# ------------------------------------------------------------------------ public page


def test_the_public_page_shows_published_claims_with_their_rating_and_nothing_else(
    client, reviewer, editor
):
    # The full text, with the published claim highlighted (the publisher allows it).
    article = ArticleFactory(
        text="Taxes rose by 40 percent.\n\nThe mayor owns three cars.", may_republish=True
    )
    published = ClaimFactory(article=article)
    draft = ClaimFactory(
        article=article, start=article.text.index("The mayor"), end=len(article.text)
    )
    _awaiting(published, reviewer)
    services.claim_publish(claim=published, user=editor, version=NO_VERSION_CHECK)
    _draft(draft, reviewer, summary="SECRET DRAFT SUMMARY", rating=rating_level("true"))
    html = client.get(
        reverse("reader:article_detail", kwargs={"key": article.slug})
    ).content.decode()
    assert html.count('<mark class="claim claim-published rating-mark') == 1
    false_pk = rating_level("false").pk
    # The reader page's highlight (tests/claims/test_reader_site.py checks its popover).
    assert f'<mark class="claim claim-published rating-mark-{false_pk} tint-{false_pk}"' in html
    assert ">False</a>" in html and "The city spent 3.1 million." in html
    assert "SECRET DRAFT SUMMARY" not in html
    assert f"fact-check-{draft.pk}" not in html and f"claim-{draft.pk}" not in html
    assert "persona-reviewer" not in html and "persona-editor" not in html
    _assert_csp_clean(html)


def test_readers_see_who_wrote_and_approved_when_the_desk_wants_it(
    client, reviewer, editor, settings
):
    settings.FACTCHECK_SHOW_REVIEWER_NAMES = True
    claim = ClaimFactory()
    _awaiting(claim, reviewer)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    html = client.get(reverse("reader:article_detail", kwargs={"key": claim.article.slug})).content
    assert "written by persona-reviewer · approved by persona-editor" in html.decode()


# -------------------------------------------------------------- who may post where

POST_ENDPOINTS = [
    ("claim_assign", {"version": 1}),
    ("evidence_add", {"url": "https://example.org/x", "stance": "supports"}),
    ("note_add", {"body": "hello", "format": "plain"}),
    ("verdict_save", {"summary": "S", "rationale": "R", "version": 0}),
    ("claim_start_review", {"version": 1}),
    ("claim_submit", {"version": 1}),
    ("claim_return", {"version": 1}),
    ("claim_publish", {"version": 1}),
    ("claim_dismiss", {"version": 1, "reason": "x"}),
    ("claim_reopen", {"version": 1}),
    ("claim_merge", {"reason": "x", "version": 1}),
]


@pytest.mark.parametrize(("name", "data"), POST_ENDPOINTS)
@pytest.mark.parametrize("persona", ["anonymous", "outsider", "reader", "reviewer", "editor"])
def test_each_persona_may_post_only_where_its_role_allows(name, data, persona, client_for):
    claim = ClaimFactory()
    if "rating" not in data and name == "verdict_save":
        data = {**data, "rating": rating_level().pk}
    before = AuditEvent.objects.count()
    response = client_for(persona).post(_url(name, claim), data)
    if persona == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"]
    elif persona in {"outsider", "reader"} or (persona == "reviewer" and name == "claim_publish"):
        assert response.status_code == 403
    else:
        assert response.status_code in {302, 400, 409}, response.status_code
        return
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "reader", "reviewer"])
def test_bulk_assign_is_for_reviewers(persona, client_for):
    claim = ClaimFactory()
    response = client_for(persona).post(reverse("claims:claim_bulk_assign"), {"claims": [claim.pk]})
    expected = {"anonymous": 302, "outsider": 403, "reader": 403, "reviewer": 302}[persona]
    assert response.status_code == expected


def test_acting_on_a_claim_that_does_not_exist_is_a_404(client_for):
    response = client_for("reviewer").post(
        reverse("claims:evidence_add", kwargs={"pk": 999999}), {"url": "https://example.org/"}
    )
    assert response.status_code == 404


def test_get_on_a_post_only_endpoint_is_refused(client_for):
    response = client_for("reviewer").get(_url("claim_dismiss", ClaimFactory()))
    assert response.status_code == 405


def test_a_user_made_claim_from_a_selection_with_bad_offsets_is_refused(client_for):
    client = client_for("reviewer")
    article = ArticleFactory()
    url = reverse("claims:claim_create", kwargs={"pk": article.pk})
    outside = client.post(url, {"text": "x", "start": 5, "end": 99999}, follow=True)
    assert "outside the article" in outside.content.decode()
    wrong = client.post(url, {"text": "not these words", "start": 0, "end": 15}, follow=True)
    assert "does not match the article" in wrong.content.decode()
    assert not Claim.objects.exists()
    assert UserFactory  # factories import used


def test_the_queues_filter_choices_follow_new_reviewers_and_a_new_active_scale(client_for):
    """Kept between requests, the assignee and rating choices still follow the desk: a new
    reviewer is offered at once (roles retire the cache), and so are the levels of a scale
    made active (scales retire it)."""
    from factcheck.lib.roles import REVIEWER, role_assign

    client = client_for("reviewer")
    client.get(QUEUE)
    newcomer = UserFactory(username="newcomer-reviewer")
    role_assign(newcomer, REVIEWER)
    page = client.get(QUEUE).content.decode()
    assert f'<option value="{newcomer.pk}">newcomer-reviewer</option>' in page
    admin = UserFactory(is_superuser=True)
    scale = RatingScale.objects.create(name="Three levels")
    for n, (label, best) in enumerate((("Solid", True), ("Wobbly", False)), start=1):
        RatingLevel.objects.create(
            scale=scale, label=label, slug=label.lower(), value=3 - n, position=n,
            is_best=best, is_worst=not best, colour="#222222", definition=label,
        )  # fmt: skip
    services.rating_scale_activate(actor=admin, scale=scale, version=NO_VERSION_CHECK)
    assert ">Wobbly</option>" in client.get(QUEUE).content.decode()
