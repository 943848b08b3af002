"""Claimants (who said it) and appearances (where and when), issue 15.

Every existing claim gets its primary appearance: kind article, on the claim's article with
its exact offsets, in one INSERT ... SELECT (no per-row Python; 100,000 claims in seconds,
docs/benchmarks.md "Migrations"). Backwards the tables are dropped.
"""

import claims.models
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


PRIMARY_APPEARANCES = """
INSERT INTO claims_appearance (
    created_at, updated_at, claim_id, kind, is_primary, article_id, start, "end",
    url, medium, programme, timestamp, description, said_on, added_by_id
)
SELECT CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, c.id, 'article', TRUE, c.article_id, c.start,
       c."end", '', '', '', '', '', NULL, NULL
FROM claims_claim c
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0016_ingest_in_batches"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Claimant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name", models.CharField(max_length=300)),
                (
                    "kind",
                    models.CharField(
                        choices=[("person", "Person"), ("organisation", "Organisation")],
                        default="person",
                        max_length=12,
                    ),
                ),
                ("description", models.CharField(blank=True, max_length=300)),
                (
                    "aliases",
                    models.JSONField(
                        blank=True, default=list, validators=[claims.models._aliases_valid]
                    ),
                ),
                ("url", models.URLField(blank=True, max_length=2000, verbose_name="web page")),
                (
                    "wikidata_id",
                    models.CharField(
                        blank=True,
                        max_length=20,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^Q[1-9][0-9]*$", "A Wikidata id is a Q-number, like Q42."
                            )
                        ],
                        verbose_name="Wikidata id",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1)),
            ],
            options={
                "ordering": ["name", "id"],
                "indexes": [
                    models.Index(
                        django.db.models.functions.text.Upper("name"), name="claimant_name_upper"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="claim",
            name="claimant",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="claims",
                to="claims.claimant",
            ),
        ),
        migrations.CreateModel(
            name="Appearance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("article", "Article"),
                            ("web", "Web page or social post"),
                            ("spoken", "Spoken"),
                            ("other", "Other"),
                        ],
                        max_length=10,
                    ),
                ),
                ("is_primary", models.BooleanField(default=False)),
                ("start", models.PositiveIntegerField(blank=True, null=True)),
                ("end", models.PositiveIntegerField(blank=True, null=True)),
                ("url", models.URLField(blank=True, max_length=2000)),
                (
                    "medium",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("tv", "TV"),
                            ("radio", "Radio"),
                            ("speech", "Speech"),
                            ("debate", "Debate"),
                            ("other", "Other"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "programme",
                    models.CharField(blank=True, max_length=300, verbose_name="programme or event"),
                ),
                (
                    "timestamp",
                    models.CharField(
                        blank=True,
                        max_length=8,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^\\d{2}:[0-5]\\d:[0-5]\\d$", "Give the time as hh:mm:ss."
                            )
                        ],
                        verbose_name="time in the recording",
                    ),
                ),
                ("description", models.TextField(blank=True)),
                ("said_on", models.DateField(blank=True, null=True, verbose_name="date")),
                (
                    "added_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "article",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="appearances",
                        to="claims.article",
                    ),
                ),
                (
                    "claim",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="appearances",
                        to="claims.claim",
                    ),
                ),
            ],
            options={
                "ordering": ["claim_id", "said_on", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "article"), _negated=True),
                            models.Q(
                                ("article__isnull", False),
                                ("end__gt", models.F("start")),
                                ("start__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="appearance_article_has_span",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "web"), _negated=True),
                            models.Q(("url", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="appearance_web_has_url",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "spoken"), _negated=True),
                            models.Q(("medium", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="appearance_spoken_has_medium",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "other"), _negated=True),
                            models.Q(("description", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="appearance_other_has_description",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("is_primary", True), _negated=True),
                            ("kind", "article"),
                            _connector="OR",
                        ),
                        name="appearance_primary_is_article",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("is_primary", True)),
                        fields=("claim",),
                        name="appearance_one_primary",
                    ),
                ],
            },
        ),
        migrations.RunSQL(
            sql=PRIMARY_APPEARANCES, reverse_sql=migrations.RunSQL.noop, elidable=False
        ),
    ]
