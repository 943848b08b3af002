"""Other organisations' fact-checks imported from ClaimReview ("checked before").

Numbered after the claimants migration (0017) written alongside; it depends on the latest
migration present when it was written."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0017_claimants_appearances"),
    ]

    operations = [
        migrations.CreateModel(
            name="ExternalFactCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("url", models.URLField(max_length=2000, unique=True)),
                ("claim_reviewed", models.TextField(blank=True)),
                ("headline", models.TextField(blank=True)),
                ("summary", models.TextField(blank=True)),
                ("rating", models.CharField(blank=True, max_length=300)),
                ("rating_value", models.FloatField(blank=True, null=True)),
                ("rating_best", models.FloatField(blank=True, null=True)),
                ("rating_worst", models.FloatField(blank=True, null=True)),
                ("publisher_name", models.CharField(blank=True, max_length=300)),
                ("publisher_url", models.URLField(blank=True, max_length=2000)),
                ("date_published", models.DateField(blank=True, null=True)),
                ("claimant", models.CharField(blank=True, max_length=300)),
                ("raw", models.JSONField(blank=True, default=dict)),
                ("version", models.PositiveIntegerField(default=1)),
            ],
            options={
                "ordering": ["-date_published", "-id"],
                "indexes": [models.Index(fields=["updated_at"], name="extfactcheck_updated_idx")],
            },
        ),
    ]
