"""API tokens: what a newsroom's CMS sends as ``Authorization: Bearer <token>``.

Only the SHA-256 of a token is stored; its first characters (``prefix``) are kept in clear so
its owner can tell tokens apart. The token itself is shown once, when it is made."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
    name = models.CharField(max_length=100, help_text="What the token is for (a CMS, a script).")
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
        ordering = ["-created_at", "-id"]
        # The tokens page: a user's tokens, newest first.
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
