"""Evidence at risk: a published verdict whose evidence link dies (or moves to another site)
is flagged for editors, on their page, in the reviewer queue and in a daily e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims import links as link_reads
from claims.models import Claim, Verdict
from claims.tasks import evidence_at_risk_digest
from factcheck.lib.versions import NO_VERSION_CHECK
from sources import services
from sources.fetching import CheckResult, Outcome
from sources.models import Link, LinkState
from tests.factories import EvidenceFactory, LinkFactory, UserFactory, VerdictFactory

pytestmark = pytest.mark.django_db


def _published_verdict_on(link: Link) -> Verdict:
    evidence = EvidenceFactory(link=link, claim__status=Claim.Status.PUBLISHED)
    return VerdictFactory(
        claim=evidence.claim, state=Verdict.State.PUBLISHED, published_at=timezone.now()
    )


def _kill(link: Link) -> None:
    """Two 404 answers three days apart: dead under the default policy."""
    start = timezone.now() - timedelta(days=3)
    result = CheckResult(url=link.url, outcome=Outcome.NOT_FOUND, status=404)
    services.link_check_record(link=link, result=result, now=start)
    services.link_check_record(link=link, result=result, now=start + timedelta(days=3))
    link.refresh_from_db()
    assert link.state == LinkState.DEAD


def _at_risk(user) -> set[int]:
    return {item.verdict.pk for item in link_reads.evidence_at_risk(user=user)}


def test_a_published_verdict_is_flagged_when_its_evidence_link_dies(editor):
    link = LinkFactory()
    verdict = _published_verdict_on(link)
    assert _at_risk(editor) == set()
    _kill(link)
    [item] = link_reads.evidence_at_risk(user=editor)
    assert item.verdict == verdict and [e.link for e in item.evidence] == [link]
    event = AuditEvent.objects.get(action="sources.evidence.at_risk")
    assert event.claim_id == verdict.claim_id and event.target_id == link.pk


def test_a_failing_link_is_not_yet_a_risk(editor):
    link = LinkFactory()
    _published_verdict_on(link)
    services.link_check_record(link=link, result=CheckResult(url=link.url, outcome=Outcome.TIMEOUT))
    assert _at_risk(editor) == set()


def test_evidence_that_moved_to_another_site_is_flagged(editor):
    link = LinkFactory(url="https://news.example.org/story", host="news.example.org")
    verdict = _published_verdict_on(link)
    services.link_check_record(
        link=link,
        result=CheckResult(
            url=link.url,
            outcome=Outcome.OK,
            status=200,
            final_url="https://spam.example.net/landing",
            redirects=[(301, "https://spam.example.net/landing")],
        ),
    )
    link.refresh_from_db()
    assert link.moved_to_host == "spam.example.net"
    assert _at_risk(editor) == {verdict.pk}


def test_draft_verdicts_are_not_flagged(editor):
    link = LinkFactory()
    evidence = EvidenceFactory(link=link)
    VerdictFactory(claim=evidence.claim)
    _kill(link)
    assert _at_risk(editor) == set()
    assert not AuditEvent.objects.filter(action="sources.evidence.at_risk").exists()


def test_an_editor_override_to_alive_clears_the_flag_and_a_recovery_is_recorded(editor):
    link = LinkFactory()
    _published_verdict_on(link)
    _kill(link)
    services.link_override_set(
        link=link, user=editor, state="alive", reason="Moved behind JS", version=NO_VERSION_CHECK
    )
    assert _at_risk(editor) == set()
    assert AuditEvent.objects.filter(action="sources.evidence.recovered").count() == 1


def test_the_editors_page_lists_the_verdict_with_the_archived_copy(client_for):
    link = LinkFactory(archive_url="https://archive.example/web/2020/https://x.example/")
    verdict = _published_verdict_on(link)
    _kill(link)
    response = client_for("editor").get(reverse("claims:evidence_at_risk"))
    page = response.content.decode()
    assert verdict.claim.text[:40] in page
    assert link.archive_url in page and "Dead" in page


def test_the_editors_page_runs_a_fixed_number_of_queries(client_for, django_assert_num_queries):
    client = client_for("editor")
    client.get(reverse("claims:evidence_at_risk"))
    for _ in range(3):
        link = LinkFactory(state="dead")
        _published_verdict_on(link)
    # user, count, verdicts, their evidence at risk (session and permissions from the cache)
    with django_assert_num_queries(6):
        client.get(reverse("claims:evidence_at_risk"))
    for _ in range(3):
        link = LinkFactory(state="dead")
        _published_verdict_on(link)
    with django_assert_num_queries(6):
        response = client.get(reverse("claims:evidence_at_risk"))
    assert len(response.context["page"].object_list) == 6


def test_the_reviewer_queue_shows_the_flag(client_for):
    link = LinkFactory(state="dead")
    verdict = _published_verdict_on(link)
    page = client_for("reviewer").get(reverse("claims:claim_queue")).content.decode()
    assert "Evidence at risk" in page and verdict.claim.text[:40] in page


def test_the_daily_digest_emails_every_editor_and_nobody_else(editor, reviewer):
    link = LinkFactory(archive_url="https://archive.example/web/2020/x")
    verdict = _published_verdict_on(link)
    _kill(link)
    UserFactory(username="no-mail", email="")
    evidence_at_risk_digest()
    assert [message.to for message in mail.outbox] == [[editor.email]]
    [message] = mail.outbox
    assert "1 published verdict with evidence at risk" in message.subject
    assert verdict.claim.text[:40] in message.body
    assert link.url in message.body and link.archive_url in message.body


def test_no_digest_is_sent_when_nothing_is_at_risk(editor):
    _published_verdict_on(LinkFactory(state="alive"))
    evidence_at_risk_digest()
    assert mail.outbox == []


def test_the_digest_task_declares_time_limits_and_late_acks():
    assert evidence_at_risk_digest.acks_late is True
    limits = (evidence_at_risk_digest.soft_time_limit, evidence_at_risk_digest.time_limit)
    assert limits[0] and limits[1] and limits[0] < limits[1]
