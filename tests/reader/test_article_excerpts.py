"""The reader's article page quotes the checked claims, each with a little of the text around
it, and links to the claim's page and to the original; the full text only when the publisher
allows it (``Article.may_republish``, set by reviewers and editors with the article's reader
details, or by admins, either refreshing the cached page)."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Article, Claim
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.selectors import EXCERPT_CONTEXT, claim_path
from tests.factories import ArticleFactory, ClaimFactory, rating_level

pytestmark = pytest.mark.django_db

OPENING = "This opening paragraph belongs to the publisher and stays on their site."
BEFORE = " ".join(f"Councillors debated item number {n} of the agenda at length." for n in range(8))
CLAIM = "The council spent 4.2 million dollars on parks last year."
AFTER = " ".join(f"Residents then asked question number {n} about the budget." for n in range(8))
CLOSING = "A closing remark nobody checked."
TEXT = f"{OPENING}\n\n{BEFORE} {CLAIM} {AFTER}\n\n{CLOSING}"
SHORT = "The mayor owns three cars. He said so on Monday."
ORIGINAL = "https://news.example.org/parks"


def _publish(claim, reviewer, editor, *, summary="It was 3.1 million."):
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary=summary,
        rationale="The accounts.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    return Claim.objects.get(pk=claim.pk)


def _claim(article: Article, passage: str) -> Claim:
    start = article.text.index(passage)
    return ClaimFactory(article=article, start=start, end=start + len(passage))


def _page(client, article) -> str:
    response = client.get(reverse("reader:article_detail", kwargs={"key": article.slug}))
    assert response.status_code == 200
    return response.content.decode()


def _excerpts(page: str) -> list[str]:
    """The quoted excerpts, as text."""
    quotes = re.findall(r'<blockquote class="excerpt"[^>]*>(.*?)</blockquote>', page, re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", quote)).strip() for quote in quotes]


# ------------------------------------------------------------------------------ excerpts


def test_without_permission_the_page_quotes_each_checked_claim_in_its_context(
    client, reviewer, editor
):
    article = ArticleFactory(text=TEXT, url=ORIGINAL)
    claim = _publish(_claim(article, CLAIM), reviewer, editor)
    page = _page(client, article)
    [excerpt] = _excerpts(page)
    # The claim, highlighted, with some of its paragraph each side, cut at a word and marked.
    assert f">{CLAIM}</mark>" in page
    before, after = excerpt.split(CLAIM)
    assert before.startswith("… ") and after.endswith(" …")
    before, after = before[2:].strip(), after[:-2].strip()
    assert 0 < len(before) <= EXCERPT_CONTEXT and 0 < len(after) <= EXCERPT_CONTEXT
    assert f" {before} {CLAIM} {after} " in TEXT  # whole words: a space either side
    # Nothing else of the article: not its other paragraphs, not the rest of this one.
    assert OPENING not in page and CLOSING not in page
    assert BEFORE[:40] not in page and AFTER[-40:] not in page
    # Links to the fact-check and to the original; the quote names where it comes from.
    assert f'href="{claim_path(claim)}"' in page
    assert f'<blockquote class="excerpt" cite="{ORIGINAL}">' in page
    assert (
        f'<a href="{ORIGINAL}" rel="noopener nofollow">Read it in the original article</a>' in page
    )
    assert "read the whole article at its publisher" in page
    assert 'id="article-text"' not in page


def test_a_short_paragraph_is_quoted_whole_without_ellipses(client, reviewer, editor):
    article = ArticleFactory(text=f"{SHORT}\n\n{CLOSING}")
    _publish(_claim(article, "The mayor owns three cars."), reviewer, editor)
    page = _page(client, article)
    assert _excerpts(page) == [SHORT]
    assert CLOSING not in page
    # No original address (a pasted text): no link to one.
    assert "Read it in the original article" not in page and '<blockquote class="excerpt">' in page


def test_every_checked_claim_gets_its_own_excerpt_and_unpublished_ones_none(
    client_for, reviewer, editor
):
    article = ArticleFactory(text=f"{SHORT}\n\n{CLOSING}", url=ORIGINAL)
    first = _publish(_claim(article, "The mayor owns three cars."), reviewer, editor)
    second = _publish(
        _claim(article, "He said so on Monday."), reviewer, editor, summary="He said it Tuesday."
    )
    draft = _claim(article, CLOSING)
    services.verdict_save(
        claim=draft,
        user=reviewer,
        rating=rating_level("true"),
        summary="DRAFT",
        rationale="R",
        version=NO_VERSION_CHECK,
    )
    for persona in ("anonymous", "reviewer", "editor"):
        page = _page(client_for(persona), article)
        assert len(_excerpts(page)) == 2
        assert f'id="fact-check-{first.pk}"' in page and f'id="fact-check-{second.pk}"' in page
        assert "DRAFT" not in page and CLOSING not in page
        assert f"fact-check-{draft.pk}" not in page


def test_with_permission_the_full_text_is_shown_with_its_claims_highlighted(
    client, reviewer, editor
):
    article = ArticleFactory(text=TEXT, url=ORIGINAL, may_republish=True)
    _publish(_claim(article, CLAIM), reviewer, editor)
    page = _page(client, article)
    assert OPENING in page and CLOSING in page and BEFORE in page
    assert 'id="article-text"' in page and _excerpts(page) == []
    assert "Read it in the original article" not in page


def test_an_article_without_a_published_verdict_is_not_public(client_for, reviewer):
    article = ArticleFactory(text=TEXT, may_republish=True)
    claim = _claim(article, CLAIM)
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("true"),
        summary="Draft",
        rationale="R",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    for persona in ("anonymous", "reader", "reviewer", "editor"):
        for key in (article.slug, str(article.pk)):
            url = reverse("reader:article_detail", kwargs={"key": key})
            assert client_for(persona).get(url).status_code == 404, (persona, key)


# ---------------------------------------------------------------- who may allow the full text


def _details(article: Article, **fields) -> dict:
    return {"version": article.version, "topics": [], "new_topic": "", "publisher": ""} | fields


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 302), ("editor", 302)],
)
def test_reviewers_and_editors_allow_the_full_text(
    persona, status, client, client_for, reviewer, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(text=TEXT, url=ORIGINAL)
    _publish(_claim(article, CLAIM), reviewer, editor)
    assert OPENING not in _page(client, article)
    assert OPENING not in _page(client, article)  # now from the cache
    url = reverse("claims:article_reader_details", kwargs={"pk": article.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(persona).post(url, _details(article, may_republish="on"))
    assert response.status_code == status
    article.refresh_from_db()
    if persona in {"reviewer", "editor"}:
        assert article.may_republish is True
        event = AuditEvent.objects.get(action="claims.article.reader_details_changed")
        assert event.changes["may_republish"] == [False, True]
        assert event.actor.username == f"persona-{persona}"
        # The cached page was replaced: the full text shows at once.
        response = client.get(reverse("reader:article_detail", kwargs={"key": article.slug}))
        assert response["X-Reader-Cache"] == "miss" and OPENING in response.content.decode()
    else:
        assert article.may_republish is False
        assert not AuditEvent.objects.filter(action="claims.article.reader_details_changed")


def test_unticking_takes_the_full_text_down_and_an_unchanged_form_records_nothing(
    client, client_for, reviewer, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(text=TEXT, may_republish=True)
    _publish(_claim(article, CLAIM), reviewer, editor)
    assert OPENING in _page(client, article)
    url = reverse("claims:article_reader_details", kwargs={"pk": article.pk})
    editor_client = client_for("editor")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(url, _details(article))  # the box left unticked
    article.refresh_from_db()
    assert article.may_republish is False and article.version == 2
    assert OPENING not in _page(client, article)
    editor_client.post(url, _details(article))  # the same again
    article.refresh_from_db()
    assert article.version == 2
    assert AuditEvent.objects.filter(action="claims.article.reader_details_changed").count() == 1


def test_a_stale_form_saves_nothing_and_shows_both_choices(client_for, reviewer, editor):
    article = ArticleFactory(text=TEXT)
    _publish(_claim(article, CLAIM), reviewer, editor)
    url = reverse("claims:article_reader_details", kwargs={"pk": article.pk})
    first = client_for("editor")
    first.post(url, _details(article, may_republish="on"))
    response = client_for("reviewer").post(url, _details(article))  # from version 1
    assert response.status_code == 409
    page = response.content.decode()
    assert "On the reader site" in page and "Full text shown" in page
    assert "Checked claims quoted" in page
    article.refresh_from_db()
    assert article.may_republish is True and article.version == 2


def test_the_reviewer_article_page_offers_the_choice_ticked_as_saved(client_for):
    article = ArticleFactory(may_republish=True)
    page = client_for("reviewer").get(reverse("claims:article_detail", kwargs={"pk": article.pk}))
    html = page.content.decode()
    assert "The publisher allows the full text on the reader site" in html
    assert re.search(r'<input type="checkbox" name="may_republish"[^>]* checked', html)


class _FormValues(HTMLParser):
    """The values a browser would send for the first form with a ``csrfmiddlewaretoken``
    after the admin's change form is loaded (inputs, checked boxes, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.values.append((name, a.get("value", "on")))
            elif kind not in {"submit", "button", "file"}:
                self.values.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            name, text = self.values[-1]
            self.values[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                name, text = self.values[-1]
                self.values[-1] = (name, text.removeprefix("\n"))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def test_admins_allow_the_full_text_in_the_admin_and_the_page_is_refreshed(
    client, client_for, reviewer, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(text=TEXT)
    _publish(_claim(article, CLAIM), reviewer, editor)
    assert OPENING not in _page(client, article)
    admin = client_for("admin")
    change = reverse("admin:claims_article_change", args=[article.pk])
    form = _FormValues()
    form.feed(admin.get(change).content.decode())
    data: dict[str, list[str]] = {}
    for name, value in form.values:
        data.setdefault(name, []).append(value)
    assert "may_republish" not in data  # unticked
    data["may_republish"] = ["on"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(change, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.may_republish is True
    event = AuditEvent.objects.get(action="claims.article.edited")
    assert "may_republish" in event.changes
    assert OPENING in _page(client, article)
    changelist = admin.get(reverse("admin:claims_article_changelist") + "?may_republish__exact=1")
    assert article.title in changelist.content.decode()
