"""Webhooks: endpoints registered by admins, signed deliveries POSTed through the guarded
fetcher to a real HTTP receiver on 127.0.0.1 (allowed by FACTCHECK_FETCH_ALLOW_HOSTS),
retries with backoff, auto-disable with the admins' e-mail, the events, the pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from audit.models import AuditEvent
from claims import services as claim_services
from claims.models import Claim, Verdict
from claims.services.risk import evidence_risk_changed
from factcheck.lib.versions import NO_VERSION_CHECK, ConflictError
from sources.models import LinkState
from tests.factories import ArticleFactory, EvidenceFactory, LinkFactory, VerdictFactory
from tests.reader.test_reader_site import TEXT, _claim, _publish, _submit_correction

pytestmark = pytest.mark.django_db

Event = WebhookEndpoint.Event


class Receiver:
    """An HTTP server on 127.0.0.1 answering each POST with the next status of ``statuses``
    (the last one repeats) and keeping what it received."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                statuses = receiver.statuses
                status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.end_headers()
                self.wfile.write(b"thanks")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    made = []

    def make(statuses=(200,)):
        server = Receiver(statuses)
        made.append(server)
        settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{s.port}" for s in made]
        return server

    yield make
    for server in made:
        server.close()


def _verify(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check, written independently of api.webhooks."""
    timestamp = headers["X-Factcheck-Timestamp"]
    expected = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()
    given = headers["X-Factcheck-Signature"]
    return given.startswith("sha256=") and hmac.compare_digest(given[7:], expected)


def _register(admin, url, events=tuple(Event.values)):
    return webhooks.endpoint_create(user=admin, url=url, events=list(events))


def _run_due(deliveries=None):
    """What the job does for each queued delivery (the worker test runs the real job)."""
    rows = deliveries or WebhookDelivery.objects.filter(delivered_at__isnull=True).order_by("id")
    return [webhooks.delivery_attempt(delivery_id=d.pk) for d in rows]


# ----------------------------------------------------------------------- signing, delivery


def test_a_delivery_is_signed_and_the_signature_checks_out(
    admin_persona, receiver, django_capture_on_commit_callbacks
):
    server = receiver()
    new = _register(admin_persona, server.url)
    assert new.secret.startswith("whsec_") and new.endpoint.secret == new.secret
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    [request] = server.received
    headers, body = request["headers"], request["body"]
    assert _verify(new.secret, headers, body)
    assert not _verify("whsec_wrong", headers, body)
    assert headers["X-Factcheck-Event"] == "ping"
    assert headers["X-Factcheck-Delivery"] == str(delivery.pk)
    assert abs(int(headers["X-Factcheck-Timestamp"]) - time.time()) < 60
    payload = json.loads(body)
    assert payload["event"] == "ping" and payload["id"] and payload["occurred_at"]
    delivery.refresh_from_db()
    assert delivery.status_code == 200 and delivery.delivered_at is not None
    assert delivery.attempt == 1 and delivery.response_time_ms is not None and not delivery.error
    # Idempotent: the job running again sends nothing more.
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    assert len(server.received) == 1


def test_a_500_is_retried_with_exponential_backoff_then_delivered(admin_persona, receiver):
    server = receiver(statuses=(500, 500, 200))
    new = _register(admin_persona, server.url)
    delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
    first = webhooks.delivery_attempt(delivery_id=delivery.pk)
    assert first == timedelta(minutes=1)
    delivery.refresh_from_db()
    assert delivery.status_code == 500 and "500" in delivery.error and delivery.attempt == 1
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=50)
    # Not due yet: a second run of the job does nothing.
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    assert len(server.received) == 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == timedelta(minutes=2)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.attempt == 3 and delivery.status_code == 200 and delivery.delivered_at
    assert not delivery.error
    assert len(server.received) == 3
    # Every attempt carries the same delivery id.
    assert {r["headers"]["X-Factcheck-Delivery"] for r in server.received} == {str(delivery.pk)}
    new.endpoint.refresh_from_db()
    assert new.endpoint.consecutive_failures == 0 and new.endpoint.is_active


def test_a_delivery_gives_up_after_the_maximum_attempts(admin_persona, receiver, settings):
    settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS = 2
    server = receiver(statuses=(503,))
    new = _register(admin_persona, server.url)
    delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == timedelta(minutes=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.attempt == 2 and delivery.next_attempt_at is None and not delivery.delivered_at
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    assert len(server.received) == 2


def test_an_endpoint_is_disabled_after_n_failures_and_the_admins_are_emailed(
    admin_persona, receiver, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_WEBHOOK_DISABLE_AFTER = 3
    settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS = 1
    admin_persona.email = "admin@example.org"
    admin_persona.save()
    server = receiver(statuses=(500,))
    new = _register(admin_persona, server.url)
    for expected_failures in (1, 2):
        delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
        assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
        new.endpoint.refresh_from_db()
        assert new.endpoint.consecutive_failures == expected_failures and new.endpoint.is_active
    assert mail.outbox == []
    delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.delivery_attempt(delivery_id=delivery.pk)
    new.endpoint.refresh_from_db()
    assert not new.endpoint.is_active and "3 failed attempts" in new.endpoint.disabled_reason
    [message] = mail.outbox
    assert message.to == ["admin@example.org"]
    assert "disabled" in message.subject and server.url in message.body
    assert AuditEvent.objects.filter(action="api.webhook.auto_disabled").count() == 1
    # A disabled endpoint gets no events.
    assert webhooks.event_send(Event.ARTICLE_INGESTED, {"id": 1}) == []


def test_a_connection_error_is_logged_as_a_failed_attempt(admin_persona, receiver):
    server = receiver()
    new = _register(admin_persona, server.url)
    server.close()  # nobody listens any more
    delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == timedelta(minutes=1)
    delivery.refresh_from_db()
    assert delivery.status_code is None and delivery.error and not delivery.delivered_at


def test_a_redirect_is_not_followed_and_counts_as_a_failure(admin_persona, receiver):
    server = receiver(statuses=(302,))
    new = _register(admin_persona, server.url)
    delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == timedelta(minutes=1)
    delivery.refresh_from_db()
    assert delivery.status_code == 302 and not delivery.delivered_at
    assert len(server.received) == 1  # /elsewhere was never asked for


def test_a_delivery_to_an_address_no_longer_allowed_is_refused(admin_persona, receiver, settings):
    server = receiver()
    new = _register(admin_persona, server.url)
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = []  # the loopback address is private again
    delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
    webhooks.delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert "refused" in delivery.error and delivery.status_code is None
    assert server.received == []


# ---------------------------------------------------------------------------- registration


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5/hook", "http://127.0.0.1:9/hook", "http://[::1]/hook", "http://2130706433/"],
)
def test_a_private_address_is_refused_at_registration(admin_persona, url):
    with pytest.raises(ValidationError) as caught:
        _register(admin_persona, url)
    assert "url" in caught.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_registration_needs_events_and_an_admin(admin_persona, editor):
    with pytest.raises(ValidationError) as caught:
        webhooks.endpoint_create(user=admin_persona, url="https://cms.example.org/h", events=[])
    assert "events" in caught.value.message_dict
    with pytest.raises(ValidationError):
        webhooks.endpoint_create(
            user=admin_persona, url="https://cms.example.org/h", events=["nope"]
        )
    with pytest.raises(PermissionDenied):
        _register(editor, "https://cms.example.org/h")
    assert not WebhookEndpoint.objects.exists()
    new = _register(admin_persona, "https://cms.example.org/h", [Event.ARTICLE_INGESTED])
    assert new.endpoint.events == [Event.ARTICLE_INGESTED]
    assert AuditEvent.objects.filter(action="api.webhook.created").count() == 1


def test_enabling_and_disabling_checks_the_version(admin_persona):
    endpoint = _register(admin_persona, "https://cms.example.org/h").endpoint
    webhooks.endpoint_set_active(user=admin_persona, pk=endpoint.pk, active=False, version=1)
    with pytest.raises(ConflictError):
        webhooks.endpoint_set_active(user=admin_persona, pk=endpoint.pk, active=True, version=1)
    endpoint = webhooks.endpoint_set_active(
        user=admin_persona, pk=endpoint.pk, active=True, version=2
    )
    assert endpoint.is_active and endpoint.version == 3


# ---------------------------------------------------------------------------------- events


def _deliveries(event):
    return list(WebhookDelivery.objects.filter(event=event))


def test_publishing_a_verdict_and_a_correction_fire_deliveries(
    admin_persona, reviewer, editor, receiver, django_capture_on_commit_callbacks
):
    server = receiver()
    _register(admin_persona, server.url, [Event.VERDICT_PUBLISHED, Event.CORRECTION_PUBLISHED])
    claim = _claim(ArticleFactory(text=TEXT), "The mayor owns three cars.")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(claim, reviewer, editor)
    [published] = _deliveries(Event.VERDICT_PUBLISHED)
    data = published.payload["data"]
    assert published.payload["event"] == "verdict.published"
    assert data["id"] == claim.pk and data["summary"] == "The city spent 3.1 million."
    assert data["rating"]["slug"] == "false" and data["detail"].endswith(
        f"/api/v1/fact-checks/{claim.pk}/"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _submit_correction(claim, reviewer)
        claim_services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    [correction] = _deliveries(Event.CORRECTION_PUBLISHED)
    assert correction.payload["data"]["rating"]["slug"] == "true"
    assert len(_deliveries(Event.VERDICT_PUBLISHED)) == 1
    _run_due()
    assert [r["headers"]["X-Factcheck-Event"] for r in server.received] == [
        "verdict.published",
        "correction.published",
    ]


def test_ingesting_an_article_fires_a_delivery(
    admin_persona, reviewer, receiver, django_capture_on_commit_callbacks
):
    server = receiver()
    _register(admin_persona, server.url, [Event.ARTICLE_INGESTED])
    with django_capture_on_commit_callbacks(execute=True):
        result = claim_services.article_ingest(
            title="Roads", text=TEXT, url="https://news.example.org/roads", user=reviewer
        )
    [delivery] = _deliveries(Event.ARTICLE_INGESTED)
    article = result.article
    assert delivery.payload["data"]["id"] == article.pk
    assert delivery.payload["data"]["title"] == "Roads"
    assert delivery.payload["data"]["url"] == "https://news.example.org/roads"
    _run_due([delivery])
    assert json.loads(server.received[0]["body"])["data"]["id"] == article.pk
    # An endpoint that did not ask for it gets nothing: no verdict deliveries were made.
    assert not _deliveries(Event.VERDICT_PUBLISHED)


def test_evidence_at_risk_fires_a_delivery(
    admin_persona, receiver, django_capture_on_commit_callbacks
):
    server = receiver()
    _register(admin_persona, server.url, [Event.EVIDENCE_AT_RISK])
    link = LinkFactory()
    evidence = EvidenceFactory(link=link, claim__status=Claim.Status.PUBLISHED)
    VerdictFactory(claim=evidence.claim, state=Verdict.State.PUBLISHED, published_at=timezone.now())
    link.state = LinkState.DEAD
    link.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_risk_changed(link, at_risk=True) == 1
    [delivery] = _deliveries(Event.EVIDENCE_AT_RISK)
    data = delivery.payload["data"]
    assert data["claim"] == evidence.claim_id
    assert data["evidence"][0]["id"] == evidence.pk
    assert data["evidence"][0]["link"]["url"] == link.url
    _run_due([delivery])
    assert server.received[0]["headers"]["X-Factcheck-Event"] == "evidence.at_risk"


def test_nothing_is_sent_when_the_change_rolls_back(admin_persona, reviewer):
    _register(admin_persona, "https://cms.example.org/h", [Event.ARTICLE_INGESTED])
    claim_services.article_ingest(title="Roads", text=TEXT, user=reviewer)
    # The test's transaction never commits: the on-commit hook never ran.
    assert not WebhookDelivery.objects.exists()


# ----------------------------------------------------------------------------------- pages


def test_the_webhooks_page_registers_an_endpoint_and_shows_its_secret_once(
    client, admin_persona, receiver
):
    server = receiver()
    client.force_login(admin_persona)
    url = reverse("api:webhooks")
    page = client.get(url)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    response = client.post(url, {"url": server.url, "events": [Event.ARTICLE_INGESTED]})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get(url).content.decode()
    refused = client.post(url, {"url": "http://192.168.1.1/x", "events": ["article.ingested"]})
    assert refused.status_code == 400 and "private or local networks" in refused.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_the_test_event_button_and_the_delivery_log(
    client, admin_persona, receiver, django_capture_on_commit_callbacks
):
    server = receiver(statuses=(500, 200))
    endpoint = _register(admin_persona, server.url).endpoint
    client.force_login(admin_persona)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("api:webhook_test", kwargs={"pk": endpoint.pk}))
    assert response.status_code == 302
    [delivery] = WebhookDelivery.objects.filter(endpoint=endpoint, event="ping")
    _run_due([delivery])
    page = client.get(reverse("api:webhook_detail", kwargs={"pk": endpoint.pk})).content.decode()
    assert f"#{delivery.pk}" in page and "The receiver answered 500." in page
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    _run_due([delivery])
    page = client.get(reverse("api:webhook_detail", kwargs={"pk": endpoint.pk})).content.decode()
    assert "Delivered" in page and "ms" in page


def test_the_delivery_log_shows_the_latest_fifty(client, admin_persona):
    endpoint = _register(admin_persona, "https://cms.example.org/h").endpoint
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event="ping", payload={"n": n}) for n in range(55)
    )
    client.force_login(admin_persona)
    page = client.get(reverse("api:webhook_detail", kwargs={"pk": endpoint.pk})).content.decode()
    assert page.count("<td>ping</td>") == 50


def test_the_disable_button_needs_the_version(client, admin_persona):
    endpoint = _register(admin_persona, "https://cms.example.org/h").endpoint
    client.force_login(admin_persona)
    url = reverse("api:webhook_active", kwargs={"pk": endpoint.pk})
    assert client.post(url, {"active": "0"}).status_code == 400
    assert client.post(url, {"active": "0", "version": "1"}).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == "Disabled by an admin."


@pytest.mark.parametrize("persona", ["anonymous", "reviewer", "editor"])
def test_only_admins_see_the_webhooks_pages(client, roles, persona):
    from tests.conftest import _persona_user

    if persona != "anonymous":
        client.force_login(_persona_user(persona))
    response = client.get(reverse("api:webhooks"))
    assert response.status_code in (302, 403)


# ------------------------------------------------------------------------- a real worker


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_test_event(admin_persona, receiver):
    from celery.contrib.testing.worker import start_worker

    from factcheck.celery_app import app

    server = receiver()
    endpoint = _register(admin_persona, server.url).endpoint
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        delivery = webhooks.test_event_send(user=admin_persona, pk=endpoint.pk)
        deadline = time.monotonic() + 20
        while not server.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.received, "the worker did not deliver within 20 s"
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.delivered_at:
                break
            time.sleep(0.05)
    assert delivery.delivered_at and delivery.status_code == 200 and delivery.attempt == 1
    assert _verify(endpoint.secret, server.received[0]["headers"], server.received[0]["body"])


# ------------------------------------------------------------------------ the sweep


def _sweep(now=None, limit=None):
    """What the sweep job does, with each queued message run at once."""
    due = webhooks.deliveries_due(now=now, limit=limit)
    for pk in due:
        webhooks.delivery_attempt(delivery_id=pk)
    return due


def _held(delivery, *, until):
    """An attempt claimed ``delivery`` (as delivery_attempt does) and holds it until
    ``until`` without sending: a worker that died mid-attempt once ``until`` is past."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempt=1, next_attempt_at=until)


def test_the_sweep_delivers_exactly_once_a_delivery_whose_worker_died(admin_persona, receiver):
    server = receiver()
    endpoint = _register(admin_persona, server.url).endpoint
    [delivery] = webhooks.event_send(Event.ARTICLE_INGESTED, {"id": 7})
    _held(delivery, until=timezone.now() - timedelta(minutes=2))
    assert _sweep() == [delivery.pk]
    assert len(server.received) == 1
    assert _verify(endpoint.secret, server.received[0]["headers"], server.received[0]["body"])
    delivery.refresh_from_db()
    assert delivery.delivered_at and delivery.attempt == 2 and delivery.next_attempt_at is None
    # Swept again, and the broker's redelivered message running late: nothing more is sent.
    assert _sweep() == []
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    assert len(server.received) == 1


def test_a_delivery_held_by_a_live_attempt_is_not_sent_twice(admin_persona, receiver):
    server = receiver()
    _register(admin_persona, server.url)
    [delivery] = webhooks.event_send(Event.ARTICLE_INGESTED, {"id": 7})
    _held(delivery, until=timezone.now() + webhooks.ATTEMPT_LEASE)
    # The broker's redelivery finds it held: it does nothing; the sweep leaves it alone.
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    assert _sweep() == []
    assert server.received == []
    delivery.refresh_from_db()
    assert delivery.attempt == 1 and not delivery.delivered_at and not delivery.error
    # Once the hold is over (the attempt's worker died), the sweep sends it, once.
    later = timezone.now() + webhooks.ATTEMPT_LEASE + webhooks.SWEEP_GRACE
    assert webhooks.deliveries_due(now=later) == [delivery.pk]


def test_the_sweep_leaves_fresh_deliveries_to_their_queued_message(admin_persona, receiver):
    server = receiver()
    _register(admin_persona, server.url)
    [delivery] = webhooks.event_send(Event.ARTICLE_INGESTED, {"id": 7})
    assert webhooks.deliveries_due() == []
    assert webhooks.deliveries_due(now=timezone.now() + webhooks.SWEEP_GRACE) == [delivery.pk]
    assert server.received == []


def test_the_sweep_skips_disabled_endpoints_delivered_and_given_up_deliveries(
    admin_persona, receiver
):
    server = receiver()
    endpoint = _register(admin_persona, server.url).endpoint
    past = timezone.now() - timedelta(minutes=10)
    [sent] = webhooks.event_send(Event.ARTICLE_INGESTED, {"id": 7})
    WebhookDelivery.objects.filter(pk=sent.pk).update(delivered_at=past, next_attempt_at=None)
    given_up = WebhookDelivery.objects.create(
        endpoint=endpoint, event=Event.ARTICLE_INGESTED, payload={}, next_attempt_at=None
    )
    kept = WebhookDelivery.objects.create(
        endpoint=endpoint, event=Event.ARTICLE_INGESTED, payload={}, next_attempt_at=past
    )
    webhooks.endpoint_set_active(user=admin_persona, pk=endpoint.pk, active=False, version=1)
    assert webhooks.deliveries_due() == []
    assert _sweep() == [] and server.received == []
    # Enabled again, what was pending is sent; the delivered and the given-up ones are not.
    webhooks.endpoint_set_active(user=admin_persona, pk=endpoint.pk, active=True, version=2)
    assert _sweep() == [kept.pk]
    assert len(server.received) == 1
    assert given_up.pk not in webhooks.deliveries_due()


def test_the_sweep_bounds_its_batch_oldest_first(admin_persona, receiver, settings):
    server = receiver()
    endpoint = _register(admin_persona, server.url).endpoint
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event=Event.ARTICLE_INGESTED,
            payload={"n": n},
            next_attempt_at=now - timedelta(minutes=30 - n),
        )
        for n in range(5)
    )
    settings.FACTCHECK_WEBHOOK_SWEEP_BATCH = 2
    assert _sweep() == [rows[0].pk, rows[1].pk]
    assert [json.loads(r["body"])["n"] for r in server.received] == [0, 1]
    assert _sweep() == [rows[2].pk, rows[3].pk]
    assert _sweep() == [rows[4].pk]
    assert _sweep() == []
    assert len(server.received) == 5


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_and_delivers_a_stuck_delivery(admin_persona, receiver):
    from celery.contrib.testing.worker import start_worker

    from api.tasks import webhook_deliveries_sweep
    from factcheck.celery_app import app

    server = receiver()
    endpoint = _register(admin_persona, server.url).endpoint
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=Event.ARTICLE_INGESTED, payload={"data": {"id": 3}}
    )
    _held(delivery, until=timezone.now() - timedelta(minutes=2))
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert webhook_deliveries_sweep() == 1  # the beat's run: one delivery queued
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.delivered_at:
                break
            time.sleep(0.05)
    assert delivery.delivered_at and delivery.status_code == 200 and delivery.attempt == 2
    assert len(server.received) == 1
    assert webhook_deliveries_sweep() == 0


def test_the_admins_are_told_in_the_language_each_chose(admin_persona, receiver, settings):
    from factcheck.lib.models import LanguagePreference
    from factcheck.lib.roles import ADMIN, role_assign
    from tests.factories import UserFactory

    settings.FACTCHECK_WEBHOOK_DISABLE_AFTER = 1
    settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS = 1
    admin_persona.email = "admin@example.org"
    admin_persona.save()
    for name in ("ana", "beto"):
        colleague = UserFactory(username=name, email=f"{name}@example.org")
        role_assign(colleague, ADMIN)
        LanguagePreference.objects.create(user=colleague, language="es")
    server = receiver(statuses=(500,))
    new = _register(admin_persona, server.url)
    delivery = webhooks.test_event_send(user=admin_persona, pk=new.endpoint.pk)
    webhooks.delivery_attempt(delivery_id=delivery.pk)
    webhooks._tell_admins(WebhookEndpoint.objects.get(pk=new.endpoint.pk))
    by_language = {tuple(sorted(m.to)): m for m in mail.outbox}
    english = by_language[("admin@example.org",)]
    spanish = by_language[("ana@example.org", "beto@example.org")]
    assert english.subject.endswith("Webhook endpoint disabled")
    assert spanish.subject.endswith("Endpoint de webhook desactivado")
    assert server.url in spanish.body and "se desactivó" in spanish.body
