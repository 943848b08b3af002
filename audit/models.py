"""The audit log: one row per change, written by every app through ``audit_record``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy

VIEW_PERMISSION = "audit.view_auditevent"


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> AuditEventQuerySet:
        """The history is the desk's: reviewers, editors and admins only."""
        if user is not None and user.is_authenticated and user.has_perm(VIEW_PERMISSION):
            return self.all()
        return self.none()


class AuditEvent(models.Model):
    """Who did what, when, to which row, with a before/after of what changed.

    ``action`` is a dotted code, ``<app>.<thing>.<verb>`` (``claims.verdict.published``); each
    app registers what its codes mean (:mod:`audit.actions`). Rows are only ever added.

    ``target`` is the row the change was made to (any model). ``claim_id`` and
    ``article_id`` file the event under the claim and the article whose timelines show it
    (an evidence row's change shows on its claim's page). They are plain numbers, not
    foreign keys: this app sits below the claims app and must not depend on it, and an
    audit log outlives what it describes.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    action = models.CharField(max_length=100)
    claim_id = models.PositiveBigIntegerField(null=True, blank=True)
    article_id = models.PositiveBigIntegerField(null=True, blank=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # {"field": [before, after], ...} or other details of the change.
    changes = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("audit event")
        verbose_name_plural = gettext_lazy("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The claim page's history timeline: one claim's events, newest first.
            models.Index(fields=["claim_id", "-created_at"], name="audit_event_claim_idx"),
            # An article's history (ingestion, claims made on it), newest first.
            models.Index(fields=["article_id", "-created_at"], name="audit_event_article_idx"),
            # "What happened to this row": events about one evidence/verdict/note/source/user.
            models.Index(fields=["target_type", "target_id"], name="audit_event_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"
