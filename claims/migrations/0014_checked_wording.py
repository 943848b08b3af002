"""Checked wording: each verdict version keeps the claim wording it checks
(``Verdict.checked_text``), and a claim whose sentence a new revision changed after it was
checked is marked "changed since checked" (``Claim.changed_since_checked_at`` and
``changed_from_text``).

Existing versions get the claim's current text as their checked wording: the wording they
were checked against is recorded nowhere else (re-anchoring rewrote the claim's text in place).
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def checked_wording_from_claims(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Verdict = apps.get_model("claims", "Verdict")
    Verdict.objects.filter(checked_text="").update(
        checked_text=Subquery(Claim.objects.filter(pk=OuterRef("claim_id")).values("text")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_edit_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="changed_from_text",
            field=models.TextField(blank=True, verbose_name="wording checked"),
        ),
        migrations.AddField(
            model_name="claim",
            name="changed_since_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="verdict",
            name="checked_text",
            field=models.TextField(blank=True, verbose_name="checked wording"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("changed_since_checked_at__isnull", False)),
                fields=["-changed_since_checked_at", "-id"],
                name="claim_changed_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("changed_since_checked_at__isnull", True),
                    models.Q(("changed_from_text", ""), _negated=True),
                    _connector="OR",
                ),
                name="claim_changed_names_checked_wording",
            ),
        ),
        migrations.RunPython(checked_wording_from_claims, migrations.RunPython.noop),
    ]
