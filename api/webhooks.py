"""Webhooks: admins register receivers for events; each event becomes one signed delivery per
endpoint, POSTed by a background job (``api.webhook_deliver``) through the guarded fetcher.

Events come from the audit log (every change in every app is audited, so the api app, on top,
hears them without the apps below knowing about it): ``claims.verdict.published`` is
``verdict.published`` (``correction.published`` when it supersedes a published verdict),
``sources.evidence.at_risk`` is ``evidence.at_risk`` and ``claims.article.ingested`` is
``article.ingested``. Deliveries are made once the change commits.

Signature: ``X-Factcheck-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``
with ``X-Factcheck-Timestamp`` (Unix seconds), ``X-Factcheck-Event`` and
``X-Factcheck-Delivery`` (the delivery's id: the same on every attempt).

A failed attempt (no answer, or a status other than 2xx) is tried again after 1, 2, 4...
minutes, up to ``FACTCHECK_WEBHOOK_MAX_ATTEMPTS`` attempts. An attempt holds its delivery
for ``ATTEMPT_LEASE``; the beat job ``api.webhook_deliveries_sweep`` (every minute) queues
again what is due and not queued (a lost message, a worker that died mid-attempt once its
hold expired), so no delivery stays pending for good. After
``FACTCHECK_WEBHOOK_DISABLE_AFTER`` failed attempts in a row an endpoint is disabled and the
admins are e-mailed. Every change to an endpoint is audited (``api.webhook.*``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from api.models import WebhookDelivery, WebhookEndpoint
from audit.services import audit_record
from factcheck.lib.languages import user_languages
from factcheck.lib.mail import send_plain_text
from factcheck.lib.roles import ADMIN
from factcheck.lib.versions import ConflictError, version_check

__all__ = [
    "DELIVERY_LOG_LIMIT",
    "MANAGE_PERMISSION",
    "TEST_EVENT",
    "NewEndpoint",
    "deliveries_due",
    "delivery_attempt",
    "endpoint_create",
    "endpoint_set_active",
    "event_send",
    "on_audit_event",
    "signature",
    "test_event_send",
]

logger = logging.getLogger(__name__)

Event = WebhookEndpoint.Event
# Admins manage webhooks (the permission the team page needs).
MANAGE_PERMISSION = "desk.manage_team"
# What "Send test event" sends (no endpoint subscribes to it; every endpoint can receive it).
TEST_EVENT = "ping"
DELIVERY_LOG_LIMIT = 50
MAX_ENDPOINTS = 50
SECRET_PREFIX = "whsec_"  # noqa: S105 (a marker, not a secret)
# Backoff between attempts: BACKOFF_BASE * 2 ** (attempt - 1), at most BACKOFF_MAX.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
# An attempt holds its delivery this long (a worker that died mid-attempt frees it then).
ATTEMPT_LEASE = timedelta(minutes=5)
ERROR_MAX = WebhookDelivery._meta.get_field("error").max_length
# The sweep leaves a delivery this long past its time to the message already queued for it.
SWEEP_GRACE = timedelta(minutes=1)

# Audit action -> event.
_AUDITED = {
    "claims.verdict.published": Event.VERDICT_PUBLISHED,
    "sources.evidence.at_risk": Event.EVIDENCE_AT_RISK,
    "claims.article.ingested": Event.ARTICLE_INGESTED,
}


def max_attempts() -> int:
    return max(1, int(getattr(settings, "FACTCHECK_WEBHOOK_MAX_ATTEMPTS", 6)))


def disable_after() -> int:
    return max(1, int(getattr(settings, "FACTCHECK_WEBHOOK_DISABLE_AFTER", 10)))


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``f"{timestamp}.{body}"``."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def backoff(attempt: int) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1, 2, 4... minutes)."""
    return min(BACKOFF_BASE * 2 ** max(0, attempt - 1), BACKOFF_MAX)


# ------------------------------------------------------------------------------ endpoints


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once, on the page that made it


def _require_admin(user) -> None:
    if user is None or not user.has_perm(MANAGE_PERMISSION):
        raise PermissionDenied(_("Only admins manage webhooks."))


def endpoint_create(*, user, url: str, events) -> NewEndpoint:
    """Register ``url`` for ``events``. The address must be one the fetcher may reach (no
    private or local networks); the secret is generated here."""
    from sources.fetching import InvalidURL, web_address

    _require_admin(user)
    errors = {}
    try:
        normalized = web_address(url, fetch=True)
    except InvalidURL as exc:
        errors["url"] = str(exc)
    chosen = sorted(set(events or []))
    if not chosen:
        errors["events"] = _("Choose at least one event.")
    elif unknown := [e for e in chosen if e not in Event.values]:
        errors["events"] = _("Unknown events: %(events)s.") % {
            "events": ", ".join(map(str, unknown))
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if WebhookEndpoint.objects.count() >= MAX_ENDPOINTS:
            raise ValidationError(
                {
                    "url": ngettext(
                        "There is %(count)s endpoint: remove it.",
                        "There are %(count)s endpoints: remove one.",
                        MAX_ENDPOINTS,
                    )
                    % {"count": MAX_ENDPOINTS}
                }
            )
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        endpoint = WebhookEndpoint(url=normalized, events=chosen, secret=secret, created_by=user)
        endpoint.full_clean(exclude=["created_by"])
        endpoint.save()
        audit_record(
            actor=user,
            action="api.webhook.created",
            target=endpoint,
            changes={"url": [None, endpoint.url], "events": [None, chosen]},
        )
    return NewEndpoint(endpoint=endpoint, secret=secret)


def endpoint_set_active(*, user, pk: int, active: bool, version) -> WebhookEndpoint:
    """Enable (the failure count starts again) or disable an endpoint by hand."""
    _require_admin(user)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=pk)
        version_check(
            version,
            stored=endpoint.version,
            conflict=lambda: ConflictError(
                _("This endpoint was changed since you loaded the page: look again."),
                current=endpoint,
            ),
            what="a webhook endpoint",
        )
        if endpoint.is_active == active:
            return endpoint
        before = endpoint.is_active
        endpoint.is_active = active
        endpoint.disabled_reason = "" if active else "Disabled by an admin."
        endpoint.consecutive_failures = 0 if active else endpoint.consecutive_failures
        endpoint.version += 1
        endpoint.save()
        audit_record(
            actor=user,
            action="api.webhook.enabled" if active else "api.webhook.disabled",
            target=endpoint,
            changes={"is_active": [before, active]},
            message=endpoint.url,
        )
    return endpoint


# ------------------------------------------------------------------------------- events


def _json(data) -> dict:
    """``data`` as JSON would give it back (dates as ISO 8601 text)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _envelope(event: str, data: dict) -> dict:
    return {
        "event": event,
        "id": str(uuid.uuid4()),
        "occurred_at": timezone.now().isoformat(),
        "data": _json(data),
    }


def event_send(event: str, data: dict) -> list[WebhookDelivery]:
    """One delivery of ``event`` to each active endpoint that wants it, sent once the
    current transaction commits."""
    from api.tasks import webhook_deliver

    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if event in e.events]
    if not endpoints:
        return []
    payload = _envelope(event, data)
    now = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, payload=payload, next_attempt_at=now
        )
        for endpoint in endpoints
    ]
    for delivery in deliveries:
        webhook_deliver.delay_on_commit(delivery.pk)
    return deliveries


def test_event_send(*, user, pk: int) -> WebhookDelivery:
    """ "Send test event": a ``ping`` delivery to this endpoint (active or not)."""
    from api.tasks import webhook_deliver

    _require_admin(user)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.get(pk=pk)
        payload = _envelope(
            TEST_EVENT,
            {"message": "A test event sent from the webhooks page.", "endpoint": endpoint.pk},
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=TEST_EVENT, payload=payload, next_attempt_at=timezone.now()
        )
        audit_record(
            actor=user,
            action="api.webhook.test_sent",
            target=endpoint,
            changes={"delivery": delivery.pk},
            message=endpoint.url,
        )
        webhook_deliver.delay_on_commit(delivery.pk)
    return delivery


class _SiteRequest(HttpRequest):
    """A request for the site's own address (FACTCHECK_SITE_URL): the API representation's
    absolute links, built outside any request."""

    def __init__(self) -> None:
        super().__init__()
        parts = urlsplit(settings.FACTCHECK_SITE_URL)
        self._scheme = parts.scheme or "https"
        self._host = parts.netloc
        self.path = "/"

    def _get_scheme(self) -> str:
        return self._scheme

    def get_host(self) -> str:
        return self._host


def _fact_check_data(claim_id: int) -> dict | None:
    from rest_framework.exceptions import NotFound

    from api.views import _fact_check

    try:
        return _fact_check(_SiteRequest(), claim_id)
    except NotFound:
        return None


def _article_data(article_id: int) -> dict | None:
    from claims.models import Article

    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return None
    site = _SiteRequest()
    return {
        "id": article.pk,
        "title": article.title,
        "url": article.url or "",
        "detail": site.build_absolute_uri(reverse("api:article-detail", kwargs={"pk": article.pk})),
    }


def _evidence_data(claim_id: int, link_id: int | None) -> dict | None:
    from claims.models import Evidence

    rows = Evidence.objects.filter(claim_id=claim_id).select_related("link")
    if link_id is not None:
        rows = rows.filter(link_id=link_id)
    evidence = [
        {
            "id": item.pk,
            "claim": claim_id,
            "link": {
                "id": item.link_id,
                "url": item.link.url,
                "state": item.link.effective_state,
                "moved_to_host": item.link.moved_to_host,
                "archive_url": item.link.archive_url,
            }
            if item.link_id
            else None,
        }
        for item in rows
    ]
    if not evidence:
        return None
    site = _SiteRequest()
    return {
        "claim": claim_id,
        "fact_check": site.build_absolute_uri(
            reverse("api:fact-check-detail", kwargs={"pk": claim_id})
        ),
        "evidence": evidence,
    }


def _send_for_audit(action: str, claim_id, article_id, target_id) -> None:
    event = _AUDITED[action]
    if not WebhookEndpoint.objects.filter(is_active=True).exists():
        return
    if event == Event.VERDICT_PUBLISHED:
        from claims.models import Verdict

        if Verdict.objects.filter(claim_id=claim_id, state=Verdict.State.SUPERSEDED).exists():
            event = Event.CORRECTION_PUBLISHED
        data = _fact_check_data(claim_id)
    elif event == Event.EVIDENCE_AT_RISK:
        data = _evidence_data(claim_id, target_id)
    else:
        data = _article_data(article_id)
    if data is not None:
        event_send(event, data)


def on_audit_event(sender, instance, created, **kwargs) -> None:
    """``post_save`` of ``AuditEvent``: an event webhooks tell of is sent once it commits."""
    if not created or instance.action not in _AUDITED:
        return
    action, claim_id, article_id = instance.action, instance.claim_id, instance.article_id
    target_id = instance.target_id
    transaction.on_commit(lambda: _send_safely(action, claim_id, article_id, target_id))


def _send_safely(action: str, claim_id, article_id, target_id) -> None:
    # The change is committed: a webhook problem is logged, never the change's caller's.
    try:
        _send_for_audit(action, claim_id, article_id, target_id)
    except Exception:
        logger.exception("webhook event for %s (claim %s) not queued", action, claim_id)


# ---------------------------------------------------------------------------- deliveries


def _headers(delivery: WebhookDelivery, body: bytes, secret: str) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "X-Factcheck-Event": delivery.event,
        "X-Factcheck-Delivery": str(delivery.pk),
        "X-Factcheck-Timestamp": str(timestamp),
        "X-Factcheck-Signature": signature(secret, timestamp, body),
    }


def delivery_attempt(*, delivery_id: int) -> timedelta | None:
    """Make the next attempt of a delivery that is due; returns the wait before the next
    one after a failure with attempts left, else ``None``. Safe to repeat: a delivery made,
    given up, or being attempted elsewhere is left alone."""
    from sources.fetching import FetchError, post_json

    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, delivered_at__isnull=True)
        .filter(next_attempt_at__lte=now + timedelta(seconds=5))
        .update(attempt=F("attempt") + 1, next_attempt_at=now + ATTEMPT_LEASE)
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active and delivery.event != TEST_EVENT:
        delivery.error = "Not sent: the endpoint is disabled."
        delivery.next_attempt_at = None
        delivery.save(update_fields=["error", "next_attempt_at"])
        return None
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    status, elapsed, error = None, None, ""
    try:
        result = post_json(endpoint.url, body, headers=_headers(delivery, body, endpoint.secret))
    except FetchError as exc:
        error = str(exc)
    else:
        status, elapsed = result.status, result.elapsed_ms
        if not 200 <= status < 300:
            error = f"The receiver answered {status}."
    delivery.status_code = status
    delivery.response_time_ms = elapsed
    delivery.error = error[:ERROR_MAX]
    if not error:
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save()
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return None
    retry_in = backoff(delivery.attempt) if delivery.attempt < max_attempts() else None
    delivery.next_attempt_at = timezone.now() + retry_in if retry_in else None
    delivery.save()
    _failure_count(endpoint.pk, delivery)
    return retry_in


def sweep_batch() -> int:
    return max(1, int(getattr(settings, "FACTCHECK_WEBHOOK_SWEEP_BATCH", 200)))


def deliveries_due(*, now=None, limit: int | None = None) -> list[int]:
    """The deliveries the sweep queues again, oldest first, at most ``limit``: not delivered,
    not given up, their endpoint active (or a test event), and their time (the next attempt's,
    or the end of an attempt's hold) past by ``SWEEP_GRACE``, which leaves a fresh delivery or
    a retry to the message already queued for it. Queuing one twice is harmless: only the
    attempt that claims it (the conditional UPDATE in ``delivery_attempt``) sends it."""
    now = now or timezone.now()
    limit = limit or sweep_batch()
    rows = (
        WebhookDelivery.objects.filter(
            delivered_at__isnull=True,
            next_attempt_at__isnull=False,
            next_attempt_at__lte=now - SWEEP_GRACE,
        )
        .filter(Q(endpoint__is_active=True) | Q(event=TEST_EVENT))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return list(rows)


def _failure_count(endpoint_id: int, delivery: WebhookDelivery) -> None:
    """Count a failed attempt; the one that reaches the limit disables the endpoint."""
    limit = disable_after()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        if not endpoint.is_active or endpoint.consecutive_failures < limit:
            return
        endpoint.is_active = False
        endpoint.disabled_reason = (
            f"Disabled after {endpoint.consecutive_failures} failed attempts in a row "
            f"(the last: {delivery.error})"
        )[: WebhookEndpoint._meta.get_field("disabled_reason").max_length]
        endpoint.version += 1
        endpoint.save()
        audit_record(
            actor=None,
            action="api.webhook.auto_disabled",
            target=endpoint,
            changes={"is_active": [True, False], "failures": endpoint.consecutive_failures},
            message=endpoint.disabled_reason,
        )
        transaction.on_commit(lambda: _tell_admins(endpoint))


def _admins():
    User = get_user_model()
    return (
        User.objects.filter(Q(groups__name=ADMIN) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _tell_admins(endpoint: WebhookEndpoint) -> None:
    admins = list(_admins())
    if not admins:
        return
    languages = user_languages(admins)
    # One e-mail per language, in the one each admin chose in their settings.
    for language in sorted(set(languages.values())):
        with translation.override(language):
            subject, body = _disabled_mail(endpoint)
        to = [admin.email for admin in admins if languages[admin.pk] == language]
        send_plain_text(subject, body, to)


def _disabled_mail(endpoint: WebhookEndpoint) -> tuple[str, str]:
    """The subject and body telling admins an endpoint was disabled, in the active
    language."""
    site = settings.FACTCHECK_SITE_NAME
    page = settings.FACTCHECK_SITE_URL.rstrip("/") + reverse("api:webhooks")
    failed = ngettext(
        "The webhook endpoint %(url)s was disabled: %(count)s delivery in a row failed.",
        "The webhook endpoint %(url)s was disabled: %(count)s deliveries in a row failed.",
        endpoint.consecutive_failures,
    ) % {"url": endpoint.url, "count": endpoint.consecutive_failures}
    again = _(
        "No more events are sent to it. Once the receiver works again, enable it on the "
        "webhooks page (send it a test event first):"
    )
    body = f"{failed}\n\n{endpoint.disabled_reason}\n\n{again}\n{page}\n"
    subject = _("[%(site)s] Webhook endpoint disabled") % {"site": site}
    return subject, body
