"""Every named URL, every persona: the status each must get.

A URL pattern added without a row here fails ``test_every_named_url_is_in_the_matrix``.
Django admin's own pages are covered through ``admin:index`` (the admin checks staff
status itself for every page under it).
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from claims.models import Claim, Claimant, Verdict
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.models import SitePage
from reader.selectors import claim_key
from reader.selectors import claimant_key as claimant_public_key
from sources.models import Snapshot, SourceImportJob
from tests.conftest import PERSONAS
from tests.factories import (
    ArticleFactory,
    ArticleSentenceFactory,
    ClaimFactory,
    EvidenceFactory,
    IngestJobFactory,
    LinkFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
    VerdictFactory,
    published_claim,
    rating_level,
)

OK, LOGIN, FORBIDDEN, HEALTH, NOT_FOUND = "ok", "login", "forbidden", "health", "not_found"

# name -> (kwargs maker, {persona: expectation}); a missing persona means OK.
_EVERYONE = dict.fromkeys(PERSONAS, OK)
_STAFF_ONLY = {**dict.fromkeys(PERSONAS, LOGIN), "admin": OK}
_REVIEWERS = {
    "anonymous": LOGIN,
    "outsider": FORBIDDEN,
    "reader": FORBIDDEN,
    "reviewer": OK,
    "editor": OK,
    "admin": OK,
}

_EDITORS = {**_REVIEWERS, "reviewer": FORBIDDEN}
# Work in progress on the public site: nobody sees it there.
_NOBODY = dict.fromkeys(PERSONAS, NOT_FOUND)
# Sources registry: reviewers and editors read it; admins change it.
_SOURCE_ADMINS = {**_EDITORS, "editor": FORBIDDEN}

# Desk: dashboard, team, scales. Team, scales and the link-check policy are the admins'.
_DESK_ADMINS = {**_EDITORS, "editor": FORBIDDEN}


def _article_in_review():
    """An article the desk works on: a claim awaiting approval (with its verdict), another
    in review with a draft, none published."""
    article = ArticleFactory(text="It cost 4 dollars. It was fine.\n\nMore text.")
    waiting = ClaimFactory(article=article, status=Claim.Status.AWAITING_APPROVAL)
    VerdictFactory(claim=waiting, state=Verdict.State.AWAITING_APPROVAL)
    drafted = ClaimFactory(article=article, start=19, end=31, status=Claim.Status.IN_REVIEW)
    VerdictFactory(claim=drafted, state=Verdict.State.DRAFT)
    return article


def _webhook_pk() -> int:
    from api.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(url="https://cms.example.org/hook", secret="s").pk


def _site_page_pk() -> int:
    return SitePage.objects.get(slug="methodology").pk


def _claim_key_at(status: str) -> str:
    """The public address's key of a claim at ``status`` (with a verdict, if it has one by
    then), on an article that has a published claim besides."""
    article = published_claim().article
    claim = ClaimFactory(
        article=article,
        start=article.text.index("\n\n") + 2,
        end=len(article.text),
        status=status,
        dismissed_reason="Not checkable." if status == "dismissed" else "",
    )
    if status in {"in_review", "awaiting_approval"}:
        VerdictFactory(claim=claim, state=status.replace("in_review", "draft"))
    return claim_key(claim)


def _claimant_key(*, published: bool) -> str:
    """The public key of a claimant who made a published claim (or only an unpublished one)."""
    claimant = Claimant.objects.create(name="Jane Minister", kind="person")
    claim = published_claim() if published else ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(claimant=claimant)
    return claimant_public_key(claimant)


def _evidence_snapshot(*, warc: bool = False) -> dict:
    """Evidence whose link has a snapshot (its text carrying the quote); with ``warc``, the
    snapshot's id too (no file is stored here: reviewers get 404; the download itself is
    tested in tests/claims/test_snapshot_page.py)."""
    from django.utils import timezone

    evidence = EvidenceFactory()
    now = timezone.now()
    snapshot = Snapshot.objects.create(
        link=evidence.link,
        url=evidence.link.url,
        state=Snapshot.State.DONE,
        requested_at=now,
        fetched_at=now,
        kind=Snapshot.Kind.HTML,
        text=f"Before. {evidence.quote} After.",
        warc_name="missing.warc.gz" if warc else "",
    )
    kwargs = {"pk": evidence.claim_id, "evidence_pk": evidence.pk}
    return {**kwargs, "snapshot_pk": snapshot.pk} if warc else kwargs


MATRIX = {
    "reader:home": (dict, _EVERYONE),
    # Public once one of its claims is published (see EXTRA for the others: 404).
    "reader:article_detail": (lambda: {"key": published_claim().article.slug}, _EVERYONE),
    "login": (dict, _EVERYONE),
    "logout": (dict, None),  # POST-only; checked in test_auth.py
    "healthz": (dict, dict.fromkeys(PERSONAS, HEALTH)),
    # Prometheus metrics: a bearer token or an allowed address, never a signed-in role
    # (neither is configured here; tests/factcheck/test_metrics.py checks both).
    "metrics": (dict, dict.fromkeys(PERSONAS, FORBIDDEN)),
    "claims:home": (dict, _REVIEWERS),
    "claims:article_ingest": (dict, _REVIEWERS),
    "claims:article_detail": (lambda: {"pk": ArticleFactory().pk}, _REVIEWERS),
    "claims:article_withdraw": (lambda: {"pk": ArticleFactory().pk}, _EDITORS),
    "claims:ingest_job": (lambda: {"pk": IngestJobFactory().pk}, _REVIEWERS),
    # POST-only; every persona is checked in tests/claims/test_ingest_views.py.
    "claims:sentence_promote": (lambda: {"pk": ArticleSentenceFactory().pk}, None),
    "claims:claim_create": (lambda: {"pk": ArticleFactory().pk}, None),
    # The reviewer workbench.
    "rating_styles": (dict, _EVERYONE),
    # The interface's language: the JavaScript catalog is public; the switcher's link is a
    # redirect for everyone and the saved choice POST-only (tests/factcheck/test_languages.py).
    "javascript_catalog": (lambda: {"code": "es"}, _EVERYONE),
    "language_switch": (lambda: {"code": "es"}, None),
    "language_set": (dict, None),
    "claims:help": (dict, _REVIEWERS),
    "claims:claim_queue": (dict, _REVIEWERS),
    "claims:claim_add": (dict, _REVIEWERS),
    "claims:claims_import": (dict, _REVIEWERS),
    # POST-only; every persona checked in tests/claims/test_snapshot_page.py.
    "claims:cited_link_snapshot": (dict, None),
    # POST-only (a signed preview); every persona checked in tests/claims/test_claims_import.py.
    "claims:claims_import_confirm": (dict, None),
    "claims:claim_detail": (lambda: {"pk": ClaimFactory().pk}, _REVIEWERS),
    # The merge form's search for the claim to keep (tests/claims/test_article_scale.py).
    "claims:merge_targets": (lambda: {"pk": ClaimFactory().pk}, _REVIEWERS),
    # POST-only; every persona is checked in tests/claims/test_review_views.py.
    "claims:claim_bulk_assign": (dict, None),
    # The queue's bulk actions (POST-only; every persona in tests/claims/test_queue_bulk.py)
    # and its article filter's title suggestions (tests/claims/test_queue_search.py).
    "claims:claim_bulk_action": (dict, None),
    "claims:article_titles": (dict, _REVIEWERS),
    **{
        f"claims:{name}": (lambda: {"pk": ClaimFactory().pk}, None)
        for name in (
            "claim_assign",
            "evidence_add",
            "note_add",
            "verdict_save",
            "claim_start_review",
            "claim_submit",
            "claim_return",
            "claim_publish",
            "claim_dismiss",
            "claim_reopen",
            "claim_merge",
        )
    },
    # Who said it, where and when: the claimant search box (JSON) for reviewers; the
    # POST-only changes, every persona checked in tests/claims/test_claimants.py.
    "claims:claimant_search": (dict, _REVIEWERS),
    # Editors merge duplicate claimants (tests/claims/test_claimants.py).
    "claims:claimant_merge": (
        lambda: {"pk": Claimant.objects.create(name="Jane Dupe").pk},
        _EDITORS,
    ),
    "claims:claim_claimant_set": (lambda: {"pk": ClaimFactory().pk}, None),
    # Checked before: the panel the claim page loads, for reviewers only.
    "claims:claim_checked_before": (lambda: {"pk": ClaimFactory().pk}, _REVIEWERS),
    # Checked before: add another organisation's fact-check as evidence (POST-only; every
    # persona is checked in tests/claims/test_matching.py).
    "claims:claim_factcheck_evidence": (
        lambda: {"pk": ClaimFactory().pk, "factcheck_pk": 1},
        None,
    ),
    "claims:appearance_add": (lambda: {"pk": ClaimFactory().pk}, None),
    "claims:appearance_remove": (lambda: {"pk": ClaimFactory().pk, "appearance_pk": 1}, None),
    # "Another appearance of claim #N?": POST-only; every persona is checked in
    # tests/claims/test_appearance_proposals.py.
    "claims:appearance_proposal_confirm": (lambda: {"pk": 1}, None),
    "claims:appearance_proposal_keep_separate": (lambda: {"pk": 1}, None),
    # POST-only; every persona is checked in tests/claims/test_evidence_changes.py.
    **{
        f"claims:{name}": (
            lambda: (lambda ev: {"pk": ev.claim_id, "evidence_pk": ev.pk})(EvidenceFactory()),
            None,
        )
        for name in ("evidence_edit", "evidence_remove")
    },
    # What a cited page said (its snapshot) and its WARC file.
    "claims:evidence_snapshot": (_evidence_snapshot, _REVIEWERS),
    "claims:evidence_snapshot_warc": (
        lambda: _evidence_snapshot(warc=True),
        {**_REVIEWERS, "reviewer": NOT_FOUND, "editor": NOT_FOUND, "admin": NOT_FOUND},
    ),
    # Link health.
    "sources:link_list": (dict, _REVIEWERS),
    "sources:link_hosts": (dict, _REVIEWERS),
    "sources:link_detail": (lambda: {"pk": LinkFactory().pk}, _REVIEWERS),
    "claims:evidence_at_risk": (dict, _EDITORS),
    # Editors: claims changed since checked (tests/claims/test_checked_wording.py).
    "claims:changed_claims": (dict, _EDITORS),
    # POST-only (editors); every persona is checked in tests/claims/test_checked_wording.py.
    "claims:claim_change_acknowledge": (lambda: {"pk": ClaimFactory().pk}, None),
    # POST-only (editors); every persona is checked in tests/sources/test_link_views.py.
    "sources:link_override": (lambda: {"pk": LinkFactory().pk}, None),
    "sources:link_check_now": (lambda: {"pk": LinkFactory().pk}, None),
    # Sources registry.
    "sources:list": (dict, _REVIEWERS),
    "sources:detail": (lambda: {"pk": SourceFactory().pk}, _REVIEWERS),
    "sources:unregistered": (dict, _REVIEWERS),
    "sources:export": (dict, _REVIEWERS),
    "sources:create": (dict, _SOURCE_ADMINS),
    "sources:edit": (lambda: {"pk": SourceFactory().pk}, _SOURCE_ADMINS),
    "sources:import": (dict, _SOURCE_ADMINS),
    "sources:import_job": (
        lambda: {"pk": SourceImportJob.objects.create(filename="sources.csv").pk},
        _SOURCE_ADMINS,
    ),
    # POST-only (admins); every persona is checked in tests/sources/test_source_views.py.
    "sources:register_domain": (dict, None),
    "sources:import_confirm": (dict, None),
    "admin:index": (dict, _STAFF_ONLY),
    # The reader site: public pages, made with published objects to show.
    "reader:claim_page": (lambda: {"key": claim_key(published_claim())}, _EVERYONE),
    # The verdict card other sites frame (tests/reader/test_embeds.py).
    "reader:embed_claim": (lambda: {"key": claim_key(published_claim())}, _EVERYONE),
    # A claimant with a published claim has a public page (tests/reader/test_claimant_pages.py).
    "reader:claimant_page": (lambda: {"key": _claimant_key(published=True)}, _EVERYONE),
    "reader:corrections": (lambda: (published_claim(), {})[1], _EVERYONE),
    "reader:feed_fact_checks": (lambda: (published_claim(), {})[1], _EVERYONE),
    "reader:feed_corrections": (lambda: (published_claim(), {})[1], _EVERYONE),
    "reader:feed_claimreview": (lambda: (published_claim(), {})[1], _EVERYONE),
    "reader:sitemap": (lambda: (published_claim(), {})[1], _EVERYONE),
    # The desk's pages about itself (reader.SitePage; tests/reader/test_site_pages.py).
    "reader:about": (dict, _EVERYONE),
    "reader:methodology": (dict, _EVERYONE),
    "reader:corrections_policy": (dict, _EVERYONE),
    # POST-only; every persona is checked in tests/claims/test_reader_site.py.
    "claims:article_reader_details": (lambda: {"pk": ArticleFactory().pk}, None),
    # Desk: dashboard, team, scales.
    "desk:dashboard": (dict, _REVIEWERS),
    "desk:team": (dict, _DESK_ADMINS),
    "desk:user_invite": (dict, _DESK_ADMINS),
    "desk:user_detail": (lambda: {"pk": UserFactory().pk}, _DESK_ADMINS),
    "desk:scales": (dict, _DESK_ADMINS),
    "desk:link_policy": (dict, _DESK_ADMINS),
    # POST-only (admins); every persona is checked in tests/desk/test_access.py.
    **{
        f"desk:{name}": (lambda: {"pk": UserFactory().pk}, None)
        for name in ("user_role", "user_deactivate", "user_reactivate", "user_invitation_resend")
    },
    "desk:scale_activate": (lambda: {"pk": rating_level().scale_id}, None),
    **{
        f"desk:{name}": (lambda: {"pk": rating_level().pk}, None)
        for name in ("level_deactivate", "level_reactivate", "level_delete")
    },
    # Password reset and invitations: public; a bad link shows "this link does not work".
    "password_reset": (dict, _EVERYONE),
    "password_reset_done": (dict, _EVERYONE),
    "password_reset_complete": (dict, _EVERYONE),
    "password_reset_confirm": (lambda: {"uidb64": "MQ", "token": "bad-token"}, _EVERYONE),
    "invitation_accept": (lambda: {"uidb64": "MQ", "token": "bad-token"}, _EVERYONE),
    # The REST API (/api/v1/): its schema and docs page are public; its tokens page is the
    # desk's (a page of the site). Every endpoint x persona, with API tokens (401, not a
    # redirect to log in), is in tests/api/test_api_matrix.py.
    "api:schema": (dict, _EVERYONE),
    "api:docs": (dict, _EVERYONE),
    "api:tokens": (dict, _REVIEWERS),
    # Webhooks: the admins' pages (POST-only buttons are checked in tests/api/test_webhooks.py).
    "api:webhooks": (dict, _DESK_ADMINS),
    "api:webhook_detail": (lambda: {"pk": _webhook_pk()}, _DESK_ADMINS),
    **{
        f"api:{name}": (dict, None)
        for name in (
            "fact-check-list",
            "claim-list",
            "article-list",
            "link-list",
            "source-list",
            "checked-before",
            "oembed",
            "claimant-list",
        )
    },
    **{
        f"api:{name}": (lambda: {"pk": 1}, None)
        for name in (
            "fact-check-detail",
            "claim-detail",
            # The API's writes: every persona in tests/api/test_api_matrix.py.
            "claim-actions",
            "claim-evidence",
            "claim-verdict",
            "verdict-submit",
            "verdict-publish",
            "evidence-detail",
            "evidence-remove",
            "article-detail",
            "ingest-job-detail",
            "link-detail",
            "source-detail",
            # Claimants, appearances, a link's checks (tests/api/test_api_matrix.py).
            "claimant-detail",
            "claim-claimant",
            "claim-appearances",
            "appearance-remove",
            "link-checks",
            # Evidence snapshots (tests/api/test_api_matrix.py, tests/api/test_snapshots.py).
            "evidence-snapshots",
            "evidence-snapshot-detail",
            "evidence-snapshot-warc",
            "cited-link-snapshot",
            "token_revoke",
            "webhook_test",
            "webhook_active",
        )
    },
}

# Rows beyond one per name: (name, kwargs maker, {persona: expectation}).
EXTRA = [
    # An unpublished claim has no public page, whoever asks: reviewers work on it under
    # /review/claims/<id>/.
    (
        "reader:claim_page",
        lambda: {"key": str(ClaimFactory().pk)},
        dict.fromkeys(PERSONAS, NOT_FOUND),
    ),
    (
        "reader:article_detail",
        lambda: {"key": str(published_claim().article_id)},
        _EVERYONE,
    ),
    # Work in progress is private: an article with no published claim has no public page,
    # by slug or by number, whoever asks (the same 404 as an article that does not exist;
    # the desk reads it under /review/articles/<id>/).
    *[
        ("reader:article_detail", make, _NOBODY)
        for article in (lambda: ArticleFactory(), lambda: _article_in_review())
        for make in (
            lambda article=article: {"key": article().slug},
            lambda article=article: {"key": str(article().pk)},
        )
    ],
    ("reader:article_detail", lambda: {"key": "no-such-article"}, _NOBODY),
    ("reader:article_detail", lambda: {"key": "999999999"}, _NOBODY),
    # A claim at any stage before publication has no public page either.
    *[
        ("reader:claim_page", lambda status=status: {"key": _claim_key_at(status)}, _NOBODY)
        for status in ("new", "in_review", "awaiting_approval", "dismissed")
    ],
    # A claimant with no published claim has no public page, whoever asks.
    # An unpublished claim has no embeddable card either.
    ("reader:embed_claim", lambda: {"key": str(ClaimFactory().pk)}, _NOBODY),
    ("reader:claimant_page", lambda: {"key": _claimant_key(published=False)}, _NOBODY),
    ("reader:claimant_page", lambda: {"key": "999999999-nobody"}, _NOBODY),
    # Claimants are edited in the admin, by admins only.
    ("admin:claims_claimant_changelist", dict, _STAFF_ONLY),
    # The desk's pages are edited in the admin, by admins only (staff with the admin role);
    # they are never added or deleted there (tests/reader/test_site_pages.py).
    ("admin:reader_sitepage_changelist", dict, _STAFF_ONLY),
    ("admin:reader_sitepage_change", lambda: {"object_id": _site_page_pk()}, _STAFF_ONLY),
]


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns == "admin":
                yield "admin:index"
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from _named_patterns(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_named_url_is_in_the_matrix():
    names = set(_named_patterns())
    assert names - MATRIX.keys() == set(), "add these URL names to the authorization matrix"
    assert MATRIX.keys() - names == set(), "these matrix rows name no URL any more"


CASES = [
    (name, index, persona)
    for index, (name, _, expected) in enumerate(
        [(name, make, expected) for name, (make, expected) in MATRIX.items()] + EXTRA
    )
    if expected is not None
    for persona in PERSONAS
]
_ROWS = [(make, expected) for make, expected in MATRIX.values()] + [
    (make, expected) for _, make, expected in EXTRA
]


_DATA_SCRIPT = re.compile(r'<script\b[^>]*\stype="application/(?:ld\+)?json"[^>]*>', re.I)


def _assert_nothing_the_csp_would_block(html: str, url: str) -> None:
    """Every page works under the CSP (no inline script): no inline script code, inline
    style or on*= handler. Data blocks (JSON-LD, json_script) are not scripts."""
    for tag in re.findall(r"<script\b[^>]*>", html, re.I):
        assert " src=" in tag or _DATA_SCRIPT.match(tag), (url, tag)
    assert "<style" not in html.lower(), url
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", html, re.I), (url, "inline style attribute")
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.I), (url, "on*= handler")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "row", "persona"), CASES)
def test_each_persona_gets_the_expected_status(name, row, persona, client_for):
    make_kwargs, expected = _ROWS[row]
    url = reverse(name, kwargs=make_kwargs())
    response = client_for(persona).get(url)
    expectation = expected.get(persona, OK)
    if expectation == OK:
        assert response.status_code == 200, (url, persona)
        if response["Content-Type"].startswith("text/html"):
            assert "Content-Security-Policy" in response, url
            _assert_nothing_the_csp_would_block(response.content.decode(), url)
    elif expectation == LOGIN:
        assert response.status_code == 302, (url, persona)
        assert "login" in response["Location"], (url, persona)
    elif expectation == FORBIDDEN:
        assert response.status_code == 403, (url, persona)
    elif expectation == NOT_FOUND:
        assert response.status_code == 404, (url, persona)
    elif expectation == HEALTH:
        # Public and never a redirect; 503 while no worker has answered in tests.
        assert response.status_code in {200, 503}, (url, persona)
        assert response["Content-Type"] == "application/json"


# ---------------------------------------------------------- work in progress is private

SECRET = "SECRET"  # every piece of the desk's work in progress below carries it
IN_REVIEW = "The mayor said the accounts were sealed."  # a sentence of a public article


def _work_in_progress(reviewer, editor):
    """A published fact-check amid the desk's work in progress: an article nobody has
    published a fact-check of (with a publisher and a topic only it uses), a claim in review
    beside the published one, and a correction of the published one awaiting approval (with
    evidence added for it). Made through the services, as the desk makes them."""
    from claims import services

    def draft(claim, **fields):
        data = {"rating": rating_level("true"), "summary": f"{SECRET} draft summary."}
        data |= {"rationale": f"{SECRET} rationale."} | fields
        services.verdict_save(claim=claim, user=reviewer, version=NO_VERSION_CHECK, **data)
        services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)

    hidden = ArticleFactory(
        title=f"{SECRET} investigation",
        slug="secret-investigation",
        text=f"The {SECRET} budget line doubled.\n\nNobody knows yet.",
    )
    hidden.publisher = SourceFactory(name=f"{SECRET} Gazette")
    hidden.save()
    hidden.topics.add(TopicFactory(name=f"{SECRET} topic", slug="secret-topic"))
    draft(ClaimFactory(article=hidden))

    # Its full text is shown (the claim in review's sentence is in it, never as a claim).
    article = ArticleFactory(
        title="Roads",
        text=f"The city spent 4 million dollars on roads.\n\n{IN_REVIEW}",
        may_republish=True,
    )
    public = ClaimFactory(article=article)
    draft(
        public,
        rating=rating_level("false"),
        summary="The city spent 3 million.",
        rationale="The audited accounts.",
    )
    services.claim_publish(claim=public, user=editor, version=NO_VERSION_CHECK)
    in_review = ClaimFactory(
        article=article, start=article.text.index(IN_REVIEW), end=len(article.text)
    )
    draft(in_review)
    # A correction in progress: new evidence and a new version, awaiting approval.
    services.evidence_add(
        claim=public,
        user=reviewer,
        url="https://secret.example.org/ledger",
        stance="supports",
        quote=f"{SECRET} ledger.",
    )
    draft(public, correction_note=f"{SECRET} correction note.")
    return hidden, public, in_review


def _claimant_of_all(hidden, public) -> str:
    claimant = Claimant.objects.create(name="Mayor Jones", kind="person")
    Claim.objects.filter(article__in=[hidden, public.article]).update(claimant=claimant)
    return reverse("reader:claimant_page", kwargs={"key": claimant_public_key(claimant)})


# Every public URL pattern: the addresses read below (each must show no work in progress).
PUBLIC_PAGES = {
    # Searching for the words of a claim in review, or a topic only hidden work uses.
    "reader:home": lambda hidden, public: ["/", "/?q=budget+line+doubled", "/?topic=secret-topic"],
    "reader:article_detail": lambda hidden, public: [
        reverse("reader:article_detail", kwargs={"key": public.article.slug}),
        reverse("reader:article_detail", kwargs={"key": str(public.article_id)}),
    ],
    "reader:claim_page": lambda hidden, public: [
        reverse("reader:claim_page", kwargs={"key": claim_key(public)})
    ],
    "reader:embed_claim": lambda hidden, public: [
        reverse("reader:embed_claim", kwargs={"key": claim_key(public)})
    ],
    "reader:corrections": lambda hidden, public: [reverse("reader:corrections")],
    # The claimant of the published claim, of the claim in review and of the hidden one.
    "reader:claimant_page": lambda hidden, public: [_claimant_of_all(hidden, public)],
    "reader:feed_fact_checks": lambda hidden, public: [reverse("reader:feed_fact_checks")],
    "reader:feed_corrections": lambda hidden, public: [reverse("reader:feed_corrections")],
    "reader:feed_claimreview": lambda hidden, public: [reverse("reader:feed_claimreview")],
    "reader:sitemap": lambda hidden, public: [reverse("reader:sitemap")],
    "reader:about": lambda hidden, public: [reverse("reader:about")],
    "reader:methodology": lambda hidden, public: [reverse("reader:methodology")],
    "reader:corrections_policy": lambda hidden, public: [reverse("reader:corrections_policy")],
}


def test_every_public_url_pattern_is_read_for_work_in_progress():
    public_names = {name for name in _named_patterns() if name.startswith("reader:")}
    assert public_names == PUBLIC_PAGES.keys()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_no_persona_sees_the_desks_work_in_progress_on_the_public_site(
    persona, client_for, reviewer, editor
):
    hidden, public, in_review = _work_in_progress(reviewer, editor)
    client = client_for(persona)
    for url in (
        reverse("reader:article_detail", kwargs={"key": hidden.slug}),
        reverse("reader:article_detail", kwargs={"key": str(hidden.pk)}),
        reverse("reader:claim_page", kwargs={"key": claim_key(hidden.claims.get())}),
        reverse("reader:claim_page", kwargs={"key": claim_key(in_review)}),
    ):
        assert client.get(url).status_code == 404, (url, persona)
    for name, urls in PUBLIC_PAGES.items():
        for url in urls(hidden, public):
            response = client.get(url)
            assert response.status_code == 200, (url, persona)
            page = response.content.decode()
            assert SECRET not in page and "secret" not in page.lower(), (url, persona)
            assert f"/claims/{in_review.pk}" not in page, (url, persona)
            if name == "reader:article_detail":
                # The sentence is the article's public text, shown once and not as a claim.
                assert page.count(IN_REVIEW) == 1, (url, persona)
                assert f"{IN_REVIEW}</mark>" not in page and f"“{IN_REVIEW}”" not in page
                assert f"fact-check-{in_review.pk}" not in page
            else:
                assert IN_REVIEW not in page, (url, persona)
    assert "0 fact-checks match" in client.get("/?q=budget+line+doubled").content.decode()
    claim_page = client.get(PUBLIC_PAGES["reader:claim_page"](hidden, public)[0])
    assert claim_page.content.decode().count("It was submitted for approval.") == 1
