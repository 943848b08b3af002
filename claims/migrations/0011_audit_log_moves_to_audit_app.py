"""The audit log moves to the ``audit`` app (the layer below sources and claims).

Rows are copied into ``audit_auditevent`` with their ids, then ``claims_auditevent`` is
dropped; backwards, the table is made again and the rows copied back (a claim or article
deleted since keeps its event, with the key emptied as ``SET NULL`` did).

It also does what ``sources.0004`` did for evidence before the layers were enforced: evidence
follows its link to the link's source (a no-op where that already holds).
"""

from django.core.management.color import no_style
from django.db import migrations
from django.db.models import F, OuterRef, Subquery

COLUMNS = (
    "id",
    "actor_id",
    "action",
    "claim_id",
    "article_id",
    "target_type_id",
    "target_id",
    "changes",
    "message",
    "created_at",
)


def evidence_follows_links(apps, schema_editor):
    """One statement: evidence whose source differs from its link's (registered) source."""
    Evidence = apps.get_model("claims", "Evidence")
    Link = apps.get_model("sources", "Link")
    Evidence.objects.filter(link__source__isnull=False).exclude(
        source_id=F("link__source_id")
    ).update(
        source_id=Subquery(Link.objects.filter(pk=OuterRef("link_id")).values("source_id")[:1])
    )


def _copy(schema_editor, *, source: str, target: str, select: dict | None = None) -> None:
    quote = schema_editor.quote_name
    names = ", ".join(quote(c) for c in COLUMNS)
    values = ", ".join((select or {}).get(c, f"a.{quote(c)}") for c in COLUMNS)
    schema_editor.execute(
        f"INSERT INTO {quote(target)} ({names}) SELECT {values} FROM {quote(source)} a"
    )


def _reset_sequence(apps, schema_editor, app_label: str) -> None:
    model = apps.get_model(app_label, "AuditEvent")
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


def to_audit_app(apps, schema_editor):
    _copy(schema_editor, source="claims_auditevent", target="audit_auditevent")
    _reset_sequence(apps, schema_editor, "audit")


def back_to_claims(apps, schema_editor):
    quote = schema_editor.quote_name
    _copy(
        schema_editor,
        source="audit_auditevent",
        target="claims_auditevent",
        select={
            "claim_id": f"(SELECT c.id FROM {quote('claims_claim')} c WHERE c.id = a.claim_id)",
            "article_id": (
                f"(SELECT r.id FROM {quote('claims_article')} r WHERE r.id = a.article_id)"
            ),
        },
    )
    _reset_sequence(apps, schema_editor, "claims")
    schema_editor.execute(f"DELETE FROM {quote('audit_auditevent')}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0010_ratinglevel_is_active"),
        ("audit", "0001_initial"),
        ("sources", "0004_source_domains_from_home_urls"),
    ]

    operations = [
        migrations.RunPython(evidence_follows_links, migrations.RunPython.noop),
        migrations.RunPython(to_audit_app, back_to_claims),
        migrations.DeleteModel(name="AuditEvent"),
    ]
