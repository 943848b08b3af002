"""The reviewer queue's text search index, on PostgreSQL only.

The queue searches with ``SearchVector("text", config="english")`` against a
``websearch`` ``SearchQuery``; this GIN index is on the very expression Django writes for it,
so the planner can use it. SQLite has no such index: the queue uses ``icontains`` there.
"""

from django.db import migrations

INDEX = "claim_text_fts_idx"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_claim "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_default_rating_scale")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
