"""``factcheck.lib.bulk``: many rows in one statement, with Django's value adaptation and the
database's constraints, on whichever database the run uses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Topic
from factcheck.lib.bulk import rows_insert, rows_insert_select, rows_update


def _topics(n: int) -> list[Topic]:
    return [Topic.objects.create(name=f"Topic {i}", slug=f"topic-{i}") for i in range(n)]


@pytest.mark.django_db
def test_rows_update_writes_the_fields_of_every_object_in_one_statement():
    topics = _topics(30)
    long_ago = timezone.now() - timedelta(days=3)
    Topic.objects.update(updated_at=long_ago)
    for topic in topics:
        topic.name = f"{topic.name} (renamed)"
        topic.version = 7
        topic.slug = "not-written"  # not among the fields: stays as it is
    with CaptureQueriesContext(connection) as ctx:
        assert rows_update(Topic, topics, ["name", "version", "updated_at"]) == 30
    assert len(ctx.captured_queries) == 1
    for topic in Topic.objects.order_by("pk"):
        assert topic.name.endswith("(renamed)") and topic.version == 7
        assert topic.slug.startswith("topic-")
        assert topic.updated_at > long_ago  # auto_now is set, as save() would
    assert rows_update(Topic, [], ["name"]) == 0


@pytest.mark.django_db
def test_rows_update_refuses_unsaved_objects_and_what_is_not_a_column():
    (saved,) = _topics(1)
    with pytest.raises(ValueError, match="must be saved"):
        rows_update(Topic, [saved, Topic(name="new", slug="new")], ["name"])
    with pytest.raises(ValueError, match="not a column"):
        rows_update(Topic, [saved], ["id"])
    with pytest.raises(ValueError, match="not a column"):
        rows_update(Topic, [saved], ["articles"])
    saved.refresh_from_db()
    assert saved.name == "Topic 0"


@pytest.mark.django_db
def test_rows_insert_writes_new_rows_and_gives_each_object_its_key():
    before = timezone.now() - timedelta(seconds=1)
    new = [Topic(name=f"New {i}", slug=f"new-{i}") for i in range(130)]  # several batches
    assert rows_insert(Topic, new) is not None
    assert all(topic.pk is not None and not topic._state.adding for topic in new)
    stored = {t.pk: t for t in Topic.objects.all()}
    assert len(stored) == 130
    for topic in new:
        row = stored[topic.pk]
        assert (row.name, row.slug, row.version) == (topic.name, topic.slug, 1)
        assert row.created_at >= before and row.updated_at >= before
    assert rows_insert(Topic, []) == []
    with pytest.raises(ValueError, match="must be new"):
        rows_insert(Topic, [new[0]])


@pytest.mark.django_db(transaction=True)
def test_the_database_still_checks_its_constraints():
    first, second = _topics(2)
    second.slug = first.slug  # unique
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_update(Topic, [second], ["slug"])
    second.refresh_from_db()
    assert second.slug == "topic-1"
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(Topic, [Topic(name="Another", slug=first.slug)])
    assert Topic.objects.count() == 2


@pytest.mark.django_db
def test_rows_insert_select_fills_a_table_from_another_with_defaults_for_the_rest():
    from claims.models import Appearance
    from tests.factories import ClaimFactory

    claims = [ClaimFactory() for _ in range(3)]
    Appearance.objects.filter(claim__in=claims).delete()
    quote = connection.ops.quote_name
    before = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        created = rows_insert_select(
            Appearance,
            source=type(claims[0]),
            columns={
                "claim": "s.id",
                "article": f"s.{quote('article_id')}",
                "start": f"s.{quote('start')}",
                "end": f"s.{quote('end')}",
            },
            values={"kind": Appearance.Kind.ARTICLE, "is_primary": True},
            where="s.id IN (%s, %s)",
            where_params=[claims[0].pk, claims[1].pk],
        )
    assert created == 2 and len(ctx.captured_queries) == 1
    rows = Appearance.objects.filter(claim__in=claims).order_by("claim_id")
    assert [(a.claim_id, a.article_id, a.start, a.end) for a in rows] == [
        (c.pk, c.article_id, c.start, c.end) for c in claims[:2]
    ]
    for row in rows:
        assert row.is_primary and row.kind == "article"
        assert (row.url, row.description, row.said_on, row.added_by_id) == ("", "", None, None)
        assert row.created_at >= before - timedelta(seconds=1)
    with pytest.raises(ValueError, match="no column"):
        rows_insert_select(
            Appearance, source=Topic, columns={"nope": "s.id"}, values={}, where="1 = 1"
        )
