"""The audit log's move from the claims app to the audit app keeps every row, both ways."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.migrations import migrate_to

BEFORE = [("claims", "0010_ratinglevel_is_active"), ("audit", "0001_initial")]
AFTER = [("claims", "0011_audit_log_moves_to_audit_app")]


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_event_with_its_id_forward_and_backward(at_latest):
    apps = migrate_to(BEFORE)
    User = apps.get_model("auth", "User")
    Article = apps.get_model("claims", "Article")
    Claim = apps.get_model("claims", "Claim")
    OldEvent = apps.get_model("claims", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    actor = User.objects.create(username="mover")
    article = Article.objects.create(title="A", text="Crime rose by 11 percent.")
    claim = Claim.objects.create(article=article, start=0, end=25, text="Crime rose by 11 percent.")
    claim_type = ContentType.objects.get(app_label="claims", model="claim")
    for n in range(30):
        OldEvent.objects.create(
            actor=actor if n % 2 else None,
            action=f"claims.claim.step{n}",
            claim=claim if n % 3 else None,
            article=article,
            target_type=claim_type,
            target_id=claim.pk,
            changes={"status": ["new", "in_review"], "n": n},
            message=f"event {n}",
        )
    before = sorted(
        OldEvent.objects.values_list(
            "id", "actor_id", "action", "claim_id", "article_id", "target_id", "changes", "message"
        )
    )
    stamps = dict(OldEvent.objects.values_list("id", "created_at"))

    apps = migrate_to(AFTER)
    NewEvent = apps.get_model("audit", "AuditEvent")
    moved = sorted(
        NewEvent.objects.values_list(
            "id", "actor_id", "action", "claim_id", "article_id", "target_id", "changes", "message"
        )
    )
    assert moved == before
    assert dict(NewEvent.objects.values_list("id", "created_at")) == stamps
    assert "claims_auditevent" not in connection.introspection.table_names()
    # New rows get ids after the copied ones (the sequence follows on PostgreSQL).
    fresh = NewEvent.objects.create(action="audit.test.after_move")
    assert fresh.pk > max(row[0] for row in before)

    apps = migrate_to(BEFORE)
    OldEvent = apps.get_model("claims", "AuditEvent")
    back = sorted(
        OldEvent.objects.exclude(pk=fresh.pk).values_list(
            "id", "actor_id", "action", "claim_id", "article_id", "target_id", "changes", "message"
        )
    )
    assert back == before
    assert OldEvent.objects.filter(pk=fresh.pk, claim=None, article=None).exists()
    assert not apps.get_model("audit", "AuditEvent").objects.exists()
