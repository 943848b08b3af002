"""API tokens: what a newsroom's CMS sends as ``Authorization: Bearer <token>``.

Only the SHA-256 of a token is stored; its first characters (``prefix``) are kept in clear so
its owner can tell tokens apart. The token itself is shown once, when it is made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> ApiTokenQuerySet:
        """Each user sees and revokes their own tokens only."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text=_("What the token is for (a CMS, a script)."))
    # The first characters of the token, shown on the tokens page ("fcw_AbC1...").
    prefix = models.CharField(max_length=16)
    # Hex SHA-256 of the whole token: what a request's token is looked up by (unique index).
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Updated at most once a minute (api.authentication), so reads do not write on each call.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        # The tokens page: a user's tokens, newest first.
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEndpoint(models.Model):
    """A receiver an admin registered for some events. Its ``secret`` signs every delivery
    (HMAC-SHA256), so it is stored as is; it is shown once, when the endpoint is made."""

    class Event(models.TextChoices):
        VERDICT_PUBLISHED = "verdict.published", _("Verdict published")
        CORRECTION_PUBLISHED = "correction.published", _("Correction published")
        EVIDENCE_AT_RISK = "evidence.at_risk", _("Evidence at risk")
        ARTICLE_INGESTED = "article.ingested", _("Article ingested")

    url = models.URLField(max_length=2000)
    # A list of ``Event`` values.
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with its latest attempt's outcome."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    attempt = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_time_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due (``None``: delivered, or given up).
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The delivery log: an endpoint's latest deliveries.
            models.Index(fields=["endpoint", "-created_at"], name="api_webhook_delivery_idx"),
            # The sweep's due deliveries (api.webhooks.deliveries_due), oldest first: only the
            # pending ones (delivered or given up: no next attempt) are in it.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(next_attempt_at__isnull=False),
                name="api_webhook_delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} (#{self.pk})"

    @property
    def succeeded(self) -> bool:
        return self.delivered_at is not None
