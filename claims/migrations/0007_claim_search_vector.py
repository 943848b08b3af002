# Made with ``makemigrations claims --empty --name claim_search_vector``, then written by hand.
"""The queue's text search reads a stored tsvector, on PostgreSQL only.

Migration 0005 indexed the expression ``to_tsvector('english', text)``. PostgreSQL costs that
function far below what it takes (about 15 µs a row), so for a search ordered by recency it
walks the ``-updated_at`` index and recomputes the vector of every claim it passes until a
page is full: 50-160 ms on 100,000 claims for a word in 1 % of them
(``benchmarks/pages.py``). A stored generated column is computed once per write; a row's
check becomes a cheap ``@@`` and the GIN index below is on the column, so either plan is
fast (1-7 ms).

``claims_claim.search_vector`` is not a model field (it would be loaded with every claim,
and SQLite has no tsvector): ``claims.selectors.claim_text_search`` names it through
``claims.selectors.StoredSearchVector``. SQLite keeps word matching (``icontains``).
"""

from django.db import migrations

ADD = [
    # Serves the queue's (and the reader site's) text search: tsvector @@ websearch query.
    "ALTER TABLE claims_claim ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE(text, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS claim_search_vector_idx ON claims_claim USING gin (search_vector)",
    # Superseded by the index on the stored column.
    "DROP INDEX IF EXISTS claim_text_fts_idx",
]
REMOVE = [
    "CREATE INDEX IF NOT EXISTS claim_text_fts_idx ON claims_claim "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))",
    "DROP INDEX IF EXISTS claim_search_vector_idx",
    "ALTER TABLE claims_claim DROP COLUMN IF EXISTS search_vector",
]


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in ADD:
            schema_editor.execute(statement)


def remove_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in REMOVE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_reader_topics"),
    ]

    operations = [migrations.RunPython(add_search_vector, remove_search_vector, elidable=False)]
