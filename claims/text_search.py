"""Which PostgreSQL text search configuration reads a claim: its article's language.

Every claim stores the name of its configuration (``Claim.search_config``): the one of its
article's language (:func:`search_config_for`), or of ``FACTCHECK_CONTENT_LANGUAGE`` for a claim
without an article or an article of unknown language. On PostgreSQL the stored, GIN-indexed
column ``claims_claim.search_vector`` is generated from it (migration 0024), and the search
(``claims.selectors.claim_text_search``) parses the query once per configuration in use, each
matched against the claims of that configuration only. SQLite has neither: word matching
(``icontains``) there, whatever the language.

- **The mapping** (:data:`CONFIGS`): a language with a stemmer built into PostgreSQL gets its
  configuration; every other one (Chinese, Japanese, Korean, Thai, ...) gets ``simple``
  (lower-cased words, no stemming, no stop words). ``pt-br`` is read as ``pt``.
- **Unsegmented scripts.** PostgreSQL's parser splits words on spaces and punctuation only, so
  a Chinese or Japanese sentence is one or a few long "words" and no query word would equal
  one. Claims read with ``simple`` are therefore *also* matched by substring (every query word
  must occur, as on SQLite); those claims are found through the ``search_config`` index.
- **Adding a language**: one line in :data:`CONFIGS` when its configuration is one of
  :data:`BUILT_IN` (the generated column knows all of them), then a data migration setting
  ``search_config`` of the existing claims of that language. A configuration outside
  :data:`BUILT_IN` (an extension's) also needs a migration regenerating the column.
- **When the article's language changes** the claims follow: :func:`claims_follow_language`
  (one ``UPDATE``; PostgreSQL recomputes their vectors), called by
  ``claims.services.languages.article_language_apply``; a claim moved to a new revision takes
  the revision's (``claims.services.creation.claim_place``). Changing
  ``FACTCHECK_CONTENT_LANGUAGE`` later does not touch the claims stored before it.
"""

from __future__ import annotations

from django.db import connection

from claims.languages import content_language

__all__ = [
    "BUILT_IN",
    "CONFIGS",
    "SIMPLE",
    "claims_follow_language",
    "configs_in_use",
    "default_search_config",
    "search_config_for",
]

SIMPLE = "simple"

# Every text search configuration PostgreSQL 15 ships (``SELECT cfgname FROM pg_ts_config``).
# The generated column of migration 0024 maps these names, and only these, to themselves; any
# other value reads as ``simple``. Frozen there: changing this tuple needs a new migration.
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

# Language (ISO 639-1, the primary subtag of the article's BCP-47 tag) -> configuration.
CONFIGS = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}

# Every configuration a claim can have, in a stable order.
ALL = tuple(sorted({*CONFIGS.values(), SIMPLE}))


def search_config_for(language: str | None) -> str:
    """The configuration of a language tag (``"es"``, ``"pt-br"``, ``"zh-hant"``); blank: the
    one of ``FACTCHECK_CONTENT_LANGUAGE``."""
    code = (language or "").strip().replace("_", "-").lower() or content_language()
    return CONFIGS.get(code.split("-", 1)[0], SIMPLE)


def default_search_config() -> str:
    """A new claim's configuration until it is placed in an article (``Claim`` default)."""
    return search_config_for("")


def configs_in_use() -> list[str]:
    """The configurations some claim has, on PostgreSQL: one probe of the ``search_config``
    index per configuration of :data:`ALL` (under a millisecond on 100,000 claims), so a
    search never misses a language added a moment ago. Elsewhere: all of them."""
    if connection.vendor != "postgresql":
        return list(ALL)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c FROM unnest(%s::text[]) AS c WHERE EXISTS "
            "(SELECT 1 FROM claims_claim WHERE search_config = c) ORDER BY c",
            [list(ALL)],
        )
        return [row[0] for row in cursor.fetchall()]


def claims_follow_language(article) -> int:
    """After ``article.language`` changed: its claims (every revision's claims live on their
    own article) are read with the new language's configuration. Returns how many changed."""
    from claims.models import Claim

    config = search_config_for(article.language)
    return (
        Claim.objects.filter(article_id=article.pk)
        .exclude(search_config=config)
        .update(search_config=config)
    )
