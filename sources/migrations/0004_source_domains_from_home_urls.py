"""Registers each existing source's home-page domain and attaches links and evidence by it.

Before the registry a source was found by its home URL (``sources.registry`` then compared
hosts), and evidence on an unknown domain created a source named after the domain with that
domain as home URL, so every source's home URL domain is what it stood for. When two sources
share one, the source a person made wins over one made automatically, then the oldest.
Links are then attached to the source owning their host (longest registered domain).
Evidence following its link is the claims app's part (``claims.0011``: this app sits below
claims and its migrations do not touch claims' tables). Nothing is deleted; reversing leaves
the rows in place.
"""

from django.db import migrations

AUTO_NOTE = "Added automatically from an evidence link; not rated yet."


def register_home_domains(apps, schema_editor):
    from django.core.exceptions import ValidationError

    from sources.registry import domain_candidates, normalize_domain

    Source = apps.get_model("sources", "Source")
    SourceDomain = apps.get_model("sources", "SourceDomain")
    Link = apps.get_model("sources", "Link")

    owners = dict(SourceDomain.objects.values_list("domain", "source_id"))
    sources = sorted(
        Source.objects.exclude(home_url="").only("pk", "home_url", "notes"),
        key=lambda source: (source.notes == AUTO_NOTE, source.pk),
    )
    for source in sources:
        try:
            domain = normalize_domain(source.home_url)
        except ValidationError:
            continue
        if domain not in owners:
            SourceDomain.objects.create(source_id=source.pk, domain=domain)
            owners[domain] = source.pk

    by_source: dict[int | None, list[str]] = {}
    for host in Link.objects.values_list("host", flat=True).distinct().iterator():
        owner = next((owners[c] for c in domain_candidates(host) if c in owners), None)
        by_source.setdefault(owner, []).append(host)
    for source_id, hosts in by_source.items():
        for start in range(0, len(hosts), 500):
            chunk = hosts[start : start + 500]
            Link.objects.filter(host__in=chunk).exclude(source_id=source_id).update(
                source_id=source_id
            )


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0003_source_registry"),
    ]

    operations = [migrations.RunPython(register_home_domains, migrations.RunPython.noop)]
