"""Publishers (sources) and the links the workbench watches."""

from __future__ import annotations

from django.db import models

from factcheck.lib.models import TimeStampedModel


class Source(TimeStampedModel):
    class Kind(models.TextChoices):
        NEWS = "news", "News outlet"
        GOVERNMENT = "government", "Government"
        ACADEMIC = "academic", "Academic"
        NGO = "ngo", "NGO"
        COMPANY = "company", "Company"
        SOCIAL = "social", "Social media"
        BLOG = "blog", "Blog"
        WIRE = "wire", "Wire service"
        OTHER = "other", "Other"

    name = models.CharField(max_length=300, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    home_url = models.URLField(max_length=2000, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Link(TimeStampedModel):
    """One canonical URL, watched by the link checker. It is the outbox of link checks."""

    class State(models.TextChoices):
        UNCHECKED = "unchecked", "Unchecked"
        ALIVE = "alive", "Alive"
        REDIRECTED = "redirected", "Redirected"
        FAILING = "failing", "Failing"
        DEAD = "dead", "Dead"
        BLOCKED = "blocked", "Blocked"
        UNSAFE = "unsafe", "Unsafe"

    url = models.URLField(max_length=2000, unique=True)
    host = models.CharField(max_length=255, db_index=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    state = models.CharField(max_length=20, choices=State, default=State.UNCHECKED)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["url"]
        permissions = [("override_link", "Can override a link's state and request a check")]
        indexes = [
            # The sweeper asks for links whose next check is due.
            models.Index(fields=["next_check_at"], name="link_next_check_idx"),
        ]

    def __str__(self) -> str:
        return self.url
