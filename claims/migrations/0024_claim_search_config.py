# Made with ``makemigrations claims --name claim_search_config``, then the RunPython steps
# written by hand.
"""Claims are searched in their own language (issue 20), on PostgreSQL.

``Claim.search_config`` names the text search configuration of the claim's language
(``claims.text_search``): every existing claim gets its article's (0023 made every existing
article English) or, without an article, ``FACTCHECK_CONTENT_LANGUAGE``'s.

The stored column ``search_vector`` of migration 0007 was ``to_tsvector('english', text)``; it
becomes ``to_tsvector(<the claim's configuration>, text)``. The configuration is a text column
and the generated expression maps each name PostgreSQL ships to its ``regconfig`` constant in a
``CASE`` (anything else reads as ``simple``):

- a ``regconfig`` column would hold catalog OIDs, and ``pg_upgrade`` refuses a database with a
  ``regconfig`` column in a user table (OIDs of configurations are not kept across versions);
- ``search_config::regconfig`` in the expression is refused ("generation expression is not
  immutable": the cast reads the catalog), and an ``IMMUTABLE`` wrapper function would hide
  from PostgreSQL that the vectors depend on the configurations.

PostgreSQL 15 cannot change a generated column's expression: the column is dropped and added
again (the table is rewritten and every vector computed once), then its GIN index rebuilt.
On 100,000 claims: docs/benchmarks.md. SQLite has no vector: only the field and its data.
"""

from django.db import migrations, models

import claims.text_search

# The configurations PostgreSQL 15 ships: the generated column maps each to itself. Frozen
# here (``claims.text_search.BUILT_IN`` is checked against it by the tests); only the ones
# the server has are used.
BUILT_IN = (
    "arabic",
    "armenian",
    "basque",
    "catalan",
    "danish",
    "dutch",
    "english",
    "finnish",
    "french",
    "german",
    "greek",
    "hindi",
    "hungarian",
    "indonesian",
    "irish",
    "italian",
    "lithuanian",
    "nepali",
    "norwegian",
    "portuguese",
    "romanian",
    "russian",
    "serbian",
    "simple",
    "spanish",
    "swedish",
    "tamil",
    "turkish",
    "yiddish",
)

ENGLISH_VECTOR = "to_tsvector('english'::regconfig, COALESCE(text, ''))"
INDEX = "claim_search_vector_idx"


def _vector_sql(configs) -> str:
    cases = " ".join(f"WHEN '{name}' THEN '{name}'::regconfig" for name in configs)
    config = f"CASE search_config {cases} ELSE 'simple'::regconfig END"
    return f"to_tsvector({config}, COALESCE(text, ''))"


def _replace_vector(schema_editor, expression: str) -> None:
    for statement in (
        f"DROP INDEX IF EXISTS {INDEX}",
        "ALTER TABLE claims_claim DROP COLUMN IF EXISTS search_vector",
        f"ALTER TABLE claims_claim ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED",
        f"CREATE INDEX {INDEX} ON claims_claim USING gin (search_vector)",
    ):
        schema_editor.execute(statement)


def claims_follow_their_articles(apps, schema_editor):
    """Each claim gets its article's configuration (one UPDATE per language in use)."""
    Article = apps.get_model("claims", "Article")
    Claim = apps.get_model("claims", "Claim")
    languages = Article.objects.order_by().values_list("language", flat=True).distinct()
    for language in languages:
        config = claims.text_search.search_config_for(language)
        Claim.objects.filter(article__language=language).exclude(search_config=config).update(
            search_config=config
        )


def per_language_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT cfgname FROM pg_ts_config "
            "WHERE cfgnamespace = 'pg_catalog'::regnamespace AND cfgname = ANY(%s) "
            "ORDER BY cfgname",
            [list(BUILT_IN)],
        )
        configs = [row[0] for row in cursor.fetchall()]
    _replace_vector(schema_editor, _vector_sql(configs))


def english_vector(apps, schema_editor):
    """Back to migration 0007's column (before ``search_config``, which it depends on, goes)."""
    if schema_editor.connection.vendor == "postgresql":
        _replace_vector(schema_editor, ENGLISH_VECTOR)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0023_article_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="search_config",
            field=models.CharField(
                default=claims.text_search.default_search_config, editable=False, max_length=32
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["search_config"], name="claim_search_config_idx"),
        ),
        migrations.RunPython(
            claims_follow_their_articles, migrations.RunPython.noop, elidable=False
        ),
        migrations.RunPython(per_language_vector, english_vector, elidable=False),
    ]
