# Articles get a language (issue 20). Every article stored so far went through the
# English-only pipeline, so existing rows become "en"; new rows default to blank ("unknown")
# until ingestion detects or the reviewer sets the language.

from django.db import migrations, models


def refuse_unscored(apps, schema_editor):
    """Going back: 0022 has no room for a sentence without a score."""
    sentence = apps.get_model("claims", "ArticleSentence")
    unscored = sentence.objects.filter(score__isnull=True).values("article_id").distinct().count()
    if unscored:
        raise RuntimeError(
            f"{unscored} article(s) have sentences that are not scored (a language with no "
            "check-worthiness model): remove them or score them before migrating back."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0022_claim_earlier_check"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="language",
            field=models.CharField(blank=True, default="en", max_length=16),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="article",
            name="language",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.AddField(
            model_name="ingestjob",
            name="language",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AlterField(
            model_name="articlesentence",
            name="score",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(migrations.RunPython.noop, refuse_unscored, elidable=False),
    ]
