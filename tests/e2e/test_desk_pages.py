"""The desk's pages in a real browser: an editor reads the dashboard (desktop and 360 px),
opens a chart's table of numbers; an admin invites a colleague and looks at the rating
scales and the link-check policy. Every page is screenshotted, checked with axe-core and
must raise no CSP violation."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from claims.models import Article, Claim, Verdict
from factcheck.lib.roles import ADMIN, EDITOR, REVIEWER, role_assign, roles_sync
from sources.models import Link
from tests.e2e.conftest import DESKTOP, MOBILE, check_page, log_in
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    LinkCheckFactory,
    LinkFactory,
    UserFactory,
    VerdictFactory,
    ensure_default_scale,
    rating_level,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
RATINGS = ["false", "false", "mostly-false", "mixed", "true", "mostly-true", "false", "unsupported"]


def _at(days_ago: float) -> datetime:
    day = timezone.localdate() - timedelta(days=int(days_ago))
    return timezone.make_aware(datetime.combine(day, time(9))) + timedelta(
        hours=(days_ago % 1) * 24
    )


def _event(claim, days_ago, before, after):
    event = AuditEvent.objects.create(
        action="claims.claim.review_started",
        claim_id=claim.pk,
        article_id=claim.article_id,
        changes={"status": [before, after]},
    )
    AuditEvent.objects.filter(pk=event.pk).update(created_at=_at(days_ago))


def _desk_history(people) -> None:
    """Thirty days of a small desk: claims moving through the workflow, verdicts published,
    links checked (some failing, a few dead, one used by a published verdict)."""
    links = []
    for i in range(36):
        link = LinkFactory()
        links.append(link)
        Link.objects.filter(pk=link.pk).update(created_at=_at(40))
        LinkCheckFactory(link=link, checked_at=_at(35), state_before="unchecked")
        state = "alive"
        if i % 5 == 0:
            LinkCheckFactory(
                link=link,
                checked_at=_at(20 - i / 3),
                state_before="alive",
                state_after="failing",
                outcome="timeout",
                status=None,
            )
            state = "failing"
            if i % 10 == 0:
                LinkCheckFactory(
                    link=link,
                    checked_at=_at(12 - i / 4),
                    state_before="failing",
                    state_after="dead",
                    outcome="not_found",
                    status=404,
                )
                state = "dead"
        Link.objects.filter(pk=link.pk).update(state=state)
    rng = random.Random(8)
    steps = ["new", "in_review", "awaiting_approval", "published"]
    for i in range(48):
        created = 30 - i * 0.6
        article = ArticleFactory()
        Article.objects.filter(pk=article.pk).update(created_at=_at(created))
        progress = min(3, int((created - rng.uniform(0, 6)) // 3)) if created > 3 else 0
        status = steps[max(0, progress)]
        claim = ClaimFactory(article=article, status=status)
        Claim.objects.filter(pk=claim.pk).update(created_at=_at(created))
        day = created
        for step in range(progress):
            day -= rng.uniform(0.5, 3)
            _event(claim, max(day, 0), steps[step], steps[step + 1])
        if status == "published":
            level = rating_level(RATINGS[i % len(RATINGS)])
            Claim.objects.filter(pk=claim.pk).update(rating=level)
            VerdictFactory(
                claim=claim,
                rating=level,
                state=Verdict.State.PUBLISHED,
                published_at=_at(max(day, 0)),
                author=people[i % 3],
                approver=people[(i + 1) % 3 + 1],
            )
            EvidenceFactory(claim=claim, link=links[i % 36], added_by=people[i % 3])
    # One published verdict rests on a dead link: evidence at risk.
    verdict = (
        Verdict.objects.filter(state=Verdict.State.PUBLISHED)
        .exclude(claim__evidence__link__state="dead")
        .first()
    )
    EvidenceFactory(claim=verdict.claim, link=Link.objects.filter(state="dead").first())


def _check(page, name: str) -> None:
    check_page(page, name)
    assert page.problems == [], name


def test_an_editor_reads_the_dashboard_at_desktop_and_phone_widths(live_server, new_page):
    roles_sync()
    ensure_default_scale()
    people = [
        UserFactory(username=name, first_name=first, last_name=last)
        for name, first, last in (
            ("ana", "Ana", "Duarte"),
            ("ben", "Ben", "Okafor"),
            ("chloe", "Chloé", "Martin"),
            ("dev", "Dev", "Patel"),
        )
    ]
    for person, role in zip(people, (REVIEWER, REVIEWER, EDITOR, EDITOR), strict=True):
        role_assign(person, role)
    people[1].is_active = False  # a former colleague: their work stays on the dashboard
    people[1].save()
    _desk_history(people)

    page = new_page(DESKTOP)
    log_in(page, live_server.url, "dev", PASSWORD)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Dashboard", level=1).is_visible()
    for heading in (
        "Claims by status",
        "Verdicts by rating",
        "Throughput per reviewer",
        "Time from ingest to publish",
        "Link health",
        "Evidence at risk",
    ):
        assert page.get_by_role("heading", name=heading).is_visible(), heading
    assert page.locator("svg.chart").count() == 5
    assert page.get_by_text("Ben Okafor (deactivated)").first.count() == 1
    _check(page, "desk-dashboard-desktop")

    # The numbers behind a chart, in a table that opens on demand.
    page.get_by_text("Link health: the numbers").click()
    table = page.get_by_role("table", name="Links in each state at the end of each day")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 30
    page.get_by_role("link", name="Last 90 days").click()
    page.wait_for_load_state()
    assert "days=90" in page.url
    assert page.locator("a[aria-current=page]", has_text="Last 90 days").count() == 1

    phone = new_page(MOBILE)
    log_in(phone, live_server.url, "dev", PASSWORD)
    phone.goto(f"{live_server.url}/review/dashboard/")
    _check(phone, "desk-dashboard-mobile")


def test_an_admin_invites_a_colleague_and_reviews_scales_and_policy(live_server, new_page):
    roles_sync()
    ensure_default_scale()
    role_assign(UserFactory(username="chief", first_name="Chief", last_name="Editor"), ADMIN)
    role_assign(UserFactory(username="old-hand"), REVIEWER)
    page = new_page(DESKTOP)
    log_in(page, live_server.url, "chief", PASSWORD)
    page.get_by_role("link", name="Team").click()
    page.wait_for_load_state()
    _check(page, "desk-team")
    page.get_by_role("link", name="Invite someone").click()
    page.wait_for_load_state()
    page.get_by_label("E-mail address").fill("not an address")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state()
    assert page.get_by_text("This is not a valid e-mail address.").is_visible()
    _check(page, "desk-invite-errors")
    page.get_by_label("E-mail address").fill("nadia@example.org")
    page.get_by_label("Name").fill("Nadia Haddad")
    page.get_by_label("Editor: a reviewer who also approves").check()
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state()
    assert page.get_by_text("Invitation sent to nadia@example.org").is_visible()
    _check(page, "desk-user")
    page.goto(f"{live_server.url}/review/scales/")
    _check(page, "desk-scales")
    page.goto(f"{live_server.url}/review/link-policy/")
    _check(page, "desk-link-policy")
    anonymous = new_page(DESKTOP)
    anonymous.goto(f"{live_server.url}/accounts/login/")
    anonymous.get_by_role("link", name="Forgot your password?").click()
    anonymous.wait_for_load_state()
    _check(anonymous, "desk-password-reset")
