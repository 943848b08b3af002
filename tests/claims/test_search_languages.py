"""Claims are searched in their own language (issue 20): the text search configuration of
the article's language (``claims.text_search``), the stored vector generated from it
(migration 0024), and the queue's and the reader site's searches on PostgreSQL. SQLite keeps
word matching."""

from __future__ import annotations

import importlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import selectors, services
from claims.models import Claim
from claims.text_search import (
    ALL,
    BUILT_IN,
    CONFIGS,
    claims_follow_language,
    configs_in_use,
    search_config_for,
)
from tests.claims.test_ingest import URL, V1, V2
from tests.factories import ArticleFactory, ClaimFactory, published_claim
from tests.migrations import migrate_to

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="text search configurations are PostgreSQL's"
)
QUEUE = reverse("claims:claim_queue")

SPANISH = "Los inspectores verificaron el puente en 2021. El alcalde no dijo nada más."
ENGLISH = "Officials planned to cull feral camels. Nobody asked the camels."
CHINESE = "桥梁在2020年倒塌了\uff0c政府说预算不足。没有人受伤。"  # \uff0c: a full-width comma


def _selected(article, reviewer) -> Claim:
    """The article's first sentence, selected by a reviewer (the real service)."""
    end = re.search(r"[.。]", article.text).end()
    return services.claim_create_from_selection(
        article=article, start=0, end=end, text=article.text[:end], user=reviewer
    )


def _found(query: str) -> set[int]:
    return set(selectors.claim_text_search(Claim.objects.all(), query).values_list("pk", flat=True))


# ------------------------------------------------------------------------ the mapping


def test_a_language_tag_picks_its_configuration(settings):
    assert search_config_for("es") == "spanish"
    assert search_config_for("pt-br") == "portuguese"
    assert search_config_for("PT_BR") == "portuguese"
    assert search_config_for("de-ch") == "german"
    assert search_config_for("ar") == "arabic"
    assert search_config_for("zh") == "simple"
    assert search_config_for("ja") == "simple"
    assert search_config_for("xx") == "simple"
    settings.FACTCHECK_CONTENT_LANGUAGE = "fr"
    assert search_config_for("") == "french"  # unknown: the content language's


def test_every_configuration_the_mapping_gives_is_one_the_vector_column_knows():
    migration = importlib.import_module("claims.migrations.0024_claim_search_config")
    assert tuple(migration.BUILT_IN) == BUILT_IN
    assert set(CONFIGS.values()) <= set(BUILT_IN)
    assert set(ALL) <= set(BUILT_IN)


@ON_POSTGRESQL
def test_every_built_in_configuration_exists_on_this_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        assert set(BUILT_IN) <= {row[0] for row in cursor.fetchall()}


# ------------------------------------------------------------ what each claim stores


def test_a_claim_takes_its_articles_language_and_one_without_article_the_setting(
    reviewer, settings
):
    spanish = _selected(ArticleFactory(language="es", text=SPANISH), reviewer)
    unknown = _selected(ArticleFactory(language="", text=ENGLISH), reviewer)
    assert Claim.objects.get(pk=spanish.pk).search_config == "spanish"
    assert Claim.objects.get(pk=unknown.pk).search_config == "english"
    settings.FACTCHECK_CONTENT_LANGUAGE = "es"
    entered = services.claim_enter(
        user=reviewer, text="El paro se redujo a la mitad.", kind="other", description="Un folleto"
    )
    assert entered.article_id is None
    assert Claim.objects.get(pk=entered.pk).search_config == "spanish"


def test_the_claims_follow_when_the_articles_language_changes(reviewer):
    article = ArticleFactory(language="en", text=SPANISH)
    claim = _selected(article, reviewer)
    assert Claim.objects.get(pk=claim.pk).search_config == "english"
    version = Claim.objects.get(pk=claim.pk).version
    services.article_language_apply(article=article, language="es", user=reviewer)
    claim.refresh_from_db()
    assert claim.search_config == "spanish"
    assert claim.version == version  # not an edit of the claim
    article.language = "zh"
    assert claims_follow_language(article) == 1
    assert Claim.objects.get(pk=claim.pk).search_config == "simple"
    assert claims_follow_language(article) == 0


# ------------------------------------------------------------------------- searching


def test_spanish_english_and_chinese_claims_are_each_found(reviewer):
    spanish = _selected(ArticleFactory(language="es", text=SPANISH), reviewer)
    english = _selected(ArticleFactory(language="en", text=ENGLISH), reviewer)
    chinese = _selected(ArticleFactory(language="zh", text=CHINESE), reviewer)
    assert Claim.objects.get(pk=chinese.pk).search_config == "simple"
    assert _found("verificar") == {spanish.pk}
    assert _found("camels") == {english.pk}
    assert _found("桥梁") == {chinese.pk}  # a word inside an unsegmented sentence
    assert _found("倒塌 政府") == {chinese.pk}
    assert _found("canguro") == set()


@ON_POSTGRESQL
def test_postgresql_stems_each_claim_in_its_own_language(reviewer):
    spanish = _selected(ArticleFactory(language="es", text=SPANISH), reviewer)
    english = _selected(ArticleFactory(language="en", text=ENGLISH), reviewer)
    # "verificó" and "verificaron" share the Spanish stem: no substring would find it.
    assert _found("verificó") == {spanish.pk}
    assert _found("inspector puentes") == {spanish.pk}
    assert _found("camel") == {english.pk}  # English stemming unchanged
    assert _found('"feral camels"') == {english.pk}
    assert _found("camels -feral") == set()
    # Spanish stop words are dropped for the Spanish claim only: "el" is not required there.
    assert _found("el puente") == {spanish.pk}
    # Each parse matches its own language's claims only: the English parse of "verificaron"
    # ("verificaron") is not applied to Spanish claims, nor the Spanish one to English.
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM claims_claim WHERE id = %s", [english.pk])
        assert "'camel'" in cursor.fetchone()[0]
        cursor.execute("SELECT search_vector::text FROM claims_claim WHERE id = %s", [spanish.pk])
        assert "'verific'" in cursor.fetchone()[0]


def test_the_queue_and_the_reader_site_search_in_the_claims_language(client_for, client):
    reviewer_client = client_for("reviewer")
    spanish = published_claim(article=ArticleFactory(language="es", text=SPANISH))
    english = published_claim(article=ArticleFactory(language="en", text=ENGLISH))
    html = reviewer_client.get(f"{QUEUE}?q=verificaron").content.decode()
    assert {int(pk) for pk in re.findall(r'name="claims" value="(\d+)"', html)} == {spanish.pk}
    html = client.get("/?q=verificaron").content.decode()
    listed = {int(pk) for pk in re.findall(r'href="/claims/(\d+)-', html)}
    assert listed == {spanish.pk}
    html = client.get("/?q=camels").content.decode()
    assert {int(pk) for pk in re.findall(r'href="/claims/(\d+)-', html)} == {english.pk}


@ON_POSTGRESQL
def test_configs_in_use_are_those_some_claim_has():
    ClaimFactory(article=ArticleFactory(language="en"))
    assert "english" in configs_in_use()
    assert "spanish" not in configs_in_use()
    ClaimFactory(article=ArticleFactory(language="es", text=SPANISH))
    assert "spanish" in configs_in_use()  # at once: nothing cached


@ON_POSTGRESQL
def test_the_search_uses_the_gin_index_with_one_or_several_languages(reviewer):
    def plan(query: str) -> str:
        found = selectors.claim_text_search(Claim.objects.order_by(), query).values("pk")
        sql, params = found.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            text = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET LOCAL enable_seqscan = on")
        return text

    _selected(ArticleFactory(language="en", text=ENGLISH), reviewer)
    one = plan("camels")
    assert "claim_search_vector_idx" in one and "search_config" not in one
    _selected(ArticleFactory(language="es", text=SPANISH), reviewer)
    _selected(ArticleFactory(language="zh", text=CHINESE), reviewer)
    # A desk's proportions (most claims in the content language), with statistics: the
    # planner would rather read a handful of rows through the ``search_config`` index alone.
    Claim.objects.bulk_create(
        Claim(text=f"The council spent {n} dollars on roads.", origin=Claim.Origin.ENTERED)
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    several = plan("camels")
    # Served by indexes (which ones is the planner's choice from the statistics: the GIN
    # index on the vectors, or the configurations' index when a language has few claims).
    assert "Seq Scan" not in several
    assert "claim_search_vector_idx" in several or "claim_search_config_idx" in several
    # Each language's parse of the query is there once, restricted to its claims.
    assert "'''camel'''::tsquery" in several and "'''camels'''::tsquery" in several
    # The substring match of the "simple" claims is found through their index.
    assert "Bitmap Index Scan on claim_search_config_idx" in several


@ON_POSTGRESQL
def test_one_probe_query_finds_the_configurations_in_use():
    ClaimFactory()
    with CaptureQueriesContext(connection) as queries:
        list(selectors.claim_text_search(Claim.objects.all(), "roads"))
    assert len(queries.captured_queries) == 2
    assert "pg_ts_config" not in queries.captured_queries[0]["sql"]
    assert "unnest" in queries.captured_queries[0]["sql"]


# ------------------------------------------------------------------------- migration


def _vector_definition() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
            "ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
            "WHERE d.adrelid = 'claims_claim'::regclass AND a.attname = 'search_vector'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_migration_0024_goes_back_and_forth(at_latest):
    english = ClaimFactory(article=ArticleFactory(language="en", text=ENGLISH))
    entered = ClaimFactory(article=None, start=None, end=None, text="El paro bajó.")
    spanish = ClaimFactory(article=ArticleFactory(language="es", text=SPANISH))
    old = migrate_to([("claims", "0023_article_language")]).get_model("claims", "Claim")
    assert "search_config" not in {f.name for f in old._meta.get_fields()}
    if connection.vendor == "postgresql":
        assert "'english'::regconfig" in _vector_definition()
        assert "CASE" not in _vector_definition()
        with connection.cursor() as cursor:  # still indexed
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'claim_search_vector_idx'")
            assert cursor.fetchone()
    new = migrate_to([("claims", "0024_claim_search_config")]).get_model("claims", "Claim")
    configs = dict(new.objects.values_list("pk", "search_config"))
    assert configs == {english.pk: "english", entered.pk: "english", spanish.pk: "spanish"}
    if connection.vendor == "postgresql":
        assert "CASE" in _vector_definition()
        assert _found("verificó") == {spanish.pk}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'claim_search_vector_idx'"
            )
            assert "gin (search_vector)" in cursor.fetchone()[0]


def test_claims_moved_to_a_revision_in_another_language_follow_it(keyword_scorer):
    v1 = services.article_ingest(title="Budget", text=V1, url=URL, language="en").article
    assert set(v1.claims.values_list("search_config", flat=True)) == {"english"}
    v2 = services.article_ingest(title="Budget", text=V2, url=URL, language="es").article
    moved = Claim.objects.filter(article=v2, anchor_match__in=["context", "exact", "fuzzy"])
    assert moved.count() == 3
    assert set(moved.values_list("search_config", flat=True)) == {"spanish"}
    assert set(v1.claims.values_list("search_config", flat=True)) == {"english"}  # the orphan
