"""Link health pages: filters, query counts, overrides, "check now", hosts, the badge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims.models import Claim, Verdict
from factcheck.lib.versions import NO_VERSION_CHECK
from sources import services
from sources.models import Link, LinkState
from tests.conftest import PERSONAS
from tests.factories import EvidenceFactory, LinkCheckFactory, LinkFactory, VerdictFactory

pytestmark = pytest.mark.django_db

LIST = reverse("sources:link_list")


def _published_verdict_on(link: Link) -> Verdict:
    evidence = EvidenceFactory(link=link, claim__status=Claim.Status.PUBLISHED)
    return VerdictFactory(
        claim=evidence.claim, state=Verdict.State.PUBLISHED, published_at=timezone.now()
    )


def _urls(response) -> set[str]:
    return {link.url for link in response.context["page"].object_list}


def test_the_list_filters_by_state_host_last_outcome_and_last_checked(client_for):
    now = timezone.now()
    dead = LinkFactory(
        url="https://a.example.org/1",
        host="a.example.org",
        state="dead",
        last_outcome="not_found",
        last_checked_at=now - timedelta(days=10),
    )
    alive = LinkFactory(
        url="https://b.example.org/1",
        host="b.example.org",
        state="alive",
        last_outcome="ok",
        last_checked_at=now,
    )
    client = client_for("reviewer")
    assert _urls(client.get(LIST, {"state": "dead"})) == {dead.url}
    assert _urls(client.get(LIST, {"host": "b.example"})) == {alive.url}
    assert _urls(client.get(LIST, {"last_outcome": "not_found"})) == {dead.url}
    day = (now - timedelta(days=1)).date().isoformat()
    assert _urls(client.get(LIST, {"last_checked_after": day})) == {alive.url}
    assert _urls(client.get(LIST, {"last_checked_before": day})) == {dead.url}


def test_the_state_filter_uses_the_state_shown_so_an_override_wins(client_for, editor):
    link = LinkFactory(state="dead")
    services.link_override_set(
        link=link, user=editor, state="alive", reason="Loads in a browser", version=NO_VERSION_CHECK
    )
    client = client_for("reviewer")
    assert _urls(client.get(LIST, {"state": "alive"})) == {link.url}
    assert _urls(client.get(LIST, {"state": "dead"})) == set()
    assert _urls(client.get(LIST, {"overridden": "true"})) == {link.url}


def test_the_list_filters_links_used_by_published_verdicts(client_for):
    used = LinkFactory()
    _published_verdict_on(used)
    draft_only = LinkFactory()
    EvidenceFactory(link=draft_only)
    LinkFactory()
    client = client_for("reviewer")
    assert _urls(client.get(LIST, {"used_by_published": "true"})) == {used.url}
    assert used.url not in _urls(client.get(LIST, {"used_by_published": "false"}))


def test_the_list_runs_the_same_number_of_queries_for_5_or_50_links(
    client_for, django_assert_num_queries
):
    client = client_for("reviewer")
    for _ in range(5):
        _published_verdict_on(LinkFactory(state="dead", override_state=""))
    # The factories made users: warm the session and permission caches again.
    client.get(LIST)
    # user, count, the page of links with its flags (session and permissions from the cache)
    with django_assert_num_queries(3):
        assert client.get(LIST).status_code == 200
    for _ in range(45):
        LinkFactory(state="alive")
    client.get(LIST)
    with django_assert_num_queries(3):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 50


def test_the_detail_page_shows_the_history_and_editors_get_the_forms(client_for):
    link = LinkFactory(
        state="failing", consecutive_failures=2, failure_points=1, first_failure_at=timezone.now()
    )
    LinkCheckFactory(
        link=link,
        outcome="timeout",
        status=None,
        state_after="failing",
        error="check exceeded the 30s deadline",
    )
    url = reverse("sources:link_detail", kwargs={"pk": link.pk})
    editor_page = client_for("editor").get(url).content.decode()
    reviewer_page = client_for("reviewer").get(url).content.decode()
    assert "check exceeded the 30s deadline" in reviewer_page
    assert "1 of 3 points" in reviewer_page
    assert "Override the state" in editor_page and "Check now" in editor_page
    assert "Override the state" not in reviewer_page and "Check now" not in reviewer_page


def test_an_editor_overrides_a_state_with_a_reason_and_it_is_shown_and_audited(client_for, editor):
    link = LinkFactory(state="dead")
    client = client_for("editor")
    response = client.post(
        reverse("sources:link_override", kwargs={"pk": link.pk}),
        {
            "action": "set",
            "state": "alive",
            "reason": "Loads fine behind the cookie wall",
            "version": link.version,
        },
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.state == "dead" and link.effective_state == "alive"
    assert link.override_by.username == "persona-editor" and link.override_at is not None
    event = AuditEvent.objects.get(action="sources.link.overridden", target_id=link.pk)
    assert event.actor == link.override_by
    assert event.message == "Loads fine behind the cookie wall"
    page = client.get(reverse("sources:link_detail", kwargs={"pk": link.pk})).content.decode()
    assert "set by an editor" in page and "Loads fine behind the cookie wall" in page
    listing = client.get(LIST).content.decode()
    assert "set by an editor" in listing


def test_an_override_without_a_reason_is_refused(client_for):
    link = LinkFactory(state="dead")
    response = client_for("editor").post(
        reverse("sources:link_override", kwargs={"pk": link.pk}),
        {"action": "set", "state": "alive", "reason": "  ", "version": link.version},
    )
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    link.refresh_from_db()
    assert link.override_state == ""
    assert not AuditEvent.objects.filter(action="sources.link.overridden").exists()


def test_an_editor_clears_an_override(client_for, editor):
    link = LinkFactory(state="dead")
    services.link_override_set(
        link=link, user=editor, state="alive", reason="checked by hand", version=NO_VERSION_CHECK
    )
    link.refresh_from_db()
    response = client_for("editor").post(
        reverse("sources:link_override", kwargs={"pk": link.pk}),
        {"action": "clear", "version": link.version},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.override_state == "" and link.effective_state == "dead"
    assert AuditEvent.objects.filter(action="sources.link.override_cleared").count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["sources:link_override", "sources:link_check_now"])
def test_only_editors_may_post_overrides_and_check_requests(name, persona, client_for, monkeypatch):
    monkeypatch.setattr(services.queueing, "_publish", lambda batch: None)
    link = LinkFactory(state="dead", next_check_at=timezone.now() + timedelta(days=3))
    response = client_for(persona).post(
        reverse(name, kwargs={"pk": link.pk}),
        {"action": "set", "state": "alive", "reason": "because", "version": link.version},
    )
    expected = {"anonymous": 302, "outsider": 403, "reader": 403, "reviewer": 403}
    assert response.status_code == expected.get(persona, 302), persona
    link.refresh_from_db()
    changed = link.override_state == "alive" or link.next_check_at <= timezone.now()
    assert changed == (persona in {"editor", "admin"})
    if persona == "anonymous":
        assert "login" in response["Location"]


def test_the_pages_refuse_get_on_post_only_endpoints(client_for):
    link = LinkFactory()
    for name in ("sources:link_override", "sources:link_check_now"):
        assert client_for("editor").get(reverse(name, kwargs={"pk": link.pk})).status_code == 405


def test_check_now_makes_the_link_due_and_enqueues_it(
    client_for, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(services.queueing, "_publish", sent.append)
    link = LinkFactory(next_check_at=timezone.now() + timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("editor").post(
            reverse("sources:link_check_now", kwargs={"pk": link.pk})
        )
    assert response.status_code == 302
    assert sent == [[link.pk]]
    link.refresh_from_db()
    assert link.next_check_at <= timezone.now() and link.queued_at is not None
    assert AuditEvent.objects.filter(action="sources.link.check_requested").count() == 1


def test_the_host_summary_counts_states_per_host(client_for, django_assert_max_num_queries):
    for state in ("alive", "alive", "dead", "failing"):
        LinkFactory(
            url=f"https://a.example.org/{state}{LinkFactory._meta.model.objects.count()}",
            host="a.example.org",
            state=state,
        )
    LinkFactory(url="https://b.example.org/x", host="b.example.org", state="blocked")
    client = client_for("reviewer")
    client.get(reverse("sources:link_hosts"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sources:link_hosts"))
    rows = {row["host"]: row for row in response.context["page"].object_list}
    assert rows["a.example.org"]["total"] == 4
    assert (rows["a.example.org"]["alive"], rows["a.example.org"]["dead"]) == (2, 1)
    assert rows["a.example.org"]["failing"] == 1 and rows["b.example.org"]["blocked"] == 1
    assert next(iter(rows)) == "a.example.org"  # hosts in trouble first


def test_the_badge_says_the_state_in_words_and_marks_overrides():
    from django.template.loader import render_to_string

    link = Link(url="https://x.example/", host="x.example", state=LinkState.DEAD)
    html = render_to_string("includes/link_badge.html", {"link": link})
    assert "link-badge-dead" in html and "Dead" in html
    link.override_state = LinkState.ALIVE
    link.moved_to_host = "elsewhere.example"
    html = render_to_string("includes/link_badge.html", {"link": link})
    assert "link-badge-alive" in html and "Alive" in html
    assert "set by an editor" in html and "moved to elsewhere.example" in html
