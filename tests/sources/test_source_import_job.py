"""A confirmed CSV import of sources runs as a background job: planned again, applied in
short batches (bulk statements), with its progress on the job's page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from sources import services
from sources.models import Source, SourceDomain, SourceImportJob, SourceRating
from sources.services import importing
from tests.factories import LinkFactory, SourceFactory

pytestmark = pytest.mark.django_db

HEADER = "name,kind,domains,rating,rating_rationale\n"


def _csv(n: int, *, start: int = 0) -> bytes:
    rows = [
        f"Outlet {i},news,outlet{i}.example,{'high' if i % 2 else 'unrated'},"
        f"{'Checked.' if i % 2 else ''}\n"
        for i in range(start, start + n)
    ]
    return (HEADER + "".join(rows)).encode()


@pytest.fixture
def importer(admin_persona):
    return admin_persona


def test_a_job_imports_the_file_in_batches_with_its_audit_trail(importer, monkeypatch):
    monkeypatch.setattr(importing, "IMPORT_BATCH_ROWS", 40)
    LinkFactory(url="https://news.outlet7.example/story")
    job = services.source_import_job_start(user=importer, data=_csv(100), filename="big.csv")
    assert job.state == SourceImportJob.State.QUEUED and not Source.objects.exists()

    done = services.source_import_job_run(job_id=job.pk)
    assert done.state == SourceImportJob.State.DONE
    assert (done.rows_total, done.rows_done, done.created_count) == (100, 100, 100)
    assert done.percent == 100 and done.data in (b"", memoryview(b""))
    assert Source.objects.count() == 100 and SourceDomain.objects.count() == 100
    rated = Source.objects.get(name="Outlet 7")
    assert (rated.rating, rated.rating_rationale) == ("high", "Checked.")
    assert SourceRating.objects.filter(source=rated, rated_by=importer).exists()
    assert SourceRating.objects.count() == 50
    # Links on the new domains are attached.
    assert rated.links.count() == 1
    events = AuditEvent.objects.filter(action="sources.source.created")
    assert events.count() == 100
    assert "big.csv, line" in events.first().message
    assert AuditEvent.objects.filter(action="sources.source.rating_changed").count() == 50
    imported = AuditEvent.objects.get(action="sources.source.imported")
    assert imported.changes["created"] == 100 and imported.actor == importer
    # Running it again (a redelivered message) does nothing.
    assert services.source_import_job_run(job_id=job.pk) is None


def test_the_statements_per_batch_do_not_grow_with_its_rows(importer, monkeypatch):
    monkeypatch.setattr(importing, "IMPORT_BATCH_ROWS", 1000)
    counts = []
    for n, start in ((20, 0), (200, 1000)):
        job = services.source_import_job_start(
            user=importer, data=_csv(n, start=start), filename="f.csv"
        )
        with CaptureQueriesContext(connection) as queries:
            services.source_import_job_run(job_id=job.pk)
        assert SourceImportJob.objects.get(pk=job.pk).state == "done"
        counts.append(len([q for q in queries if q["sql"].startswith("INSERT")]))
    assert counts[0] == counts[1], counts


def test_updates_and_unchanged_rows_are_counted(importer):
    SourceFactory(name="Outlet 0", kind="blog")
    SourceFactory(name="Outlet 1", kind="news", domains=["outlet1.example"])
    Source.objects.filter(name="Outlet 1").update(rating="high", rating_rationale="Checked.")
    job = services.source_import_job_start(user=importer, data=_csv(3), filename="f.csv")
    done = services.source_import_job_run(job_id=job.pk)
    assert (done.created_count, done.updated_count, done.unchanged_count) == (1, 1, 1)
    assert Source.objects.get(name="Outlet 0").kind == "news"


def test_a_file_refused_when_the_job_runs_imports_nothing_and_says_why(importer):
    job = services.source_import_job_start(user=importer, data=_csv(5), filename="f.csv")
    SourceFactory(name="Elsewhere", domains=["outlet3.example"])
    done = services.source_import_job_run(job_id=job.pk)
    assert done.state == SourceImportJob.State.FAILED
    assert "nothing was imported" in done.error
    assert "outlet3.example already belongs to Elsewhere" in done.error
    assert Source.objects.count() == 1


def test_a_batch_refused_by_a_concurrent_change_keeps_the_batches_before_it(importer, monkeypatch):
    monkeypatch.setattr(importing, "IMPORT_BATCH_ROWS", 2)
    real_apply = importing._apply

    def apply(batch, **kwargs):
        if batch[0].line > 3:  # someone registers a later row's name meanwhile
            SourceFactory(name=batch[0].name)
        return real_apply(batch, **kwargs)

    monkeypatch.setattr(importing, "_apply", apply)
    job = services.source_import_job_start(user=importer, data=_csv(6), filename="f.csv")
    done = services.source_import_job_run(job_id=job.pk)
    assert done.state == SourceImportJob.State.FAILED
    assert done.rows_done == 2 and done.created_count == 2
    assert "from line 4" in done.error
    assert set(Source.objects.values_list("name", flat=True)) == {"Outlet 0", "Outlet 1"}


def test_the_upload_confirmation_queues_a_job_whose_page_shows_its_progress(client_for):
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("admin")
    preview = client.post(reverse("sources:import"), {"file": SimpleUploadedFile("s.csv", _csv(3))})
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)
    response = client.post(reverse("sources:import_confirm"), {"payload": payload})
    job = SourceImportJob.objects.get()
    assert response["Location"] == reverse("sources:import_job", kwargs={"pk": job.pk})
    queued = client.get(response["Location"])
    assert "Queued" in queued.text and "data-refresh-seconds" in queued.text
    SourceImportJob.objects.filter(pk=job.pk).update(state="running", rows_total=3, rows_done=1)
    running = client.get(response["Location"])
    assert "1 of 3 rows" in running.text and "<progress" in running.text
    services.source_import_job_run(job_id=job.pk)  # not taken: another run has it
    SourceImportJob.objects.filter(pk=job.pk).update(state="queued")
    services.source_import_job_run(job_id=job.pk)
    done = client.get(response["Location"])
    assert "3 sources added" in done.text and "data-refresh-seconds" not in done.text


@pytest.mark.parametrize("persona", ["anonymous", "reader", "reviewer", "editor"])
def test_only_importers_see_an_import_job(client_for, persona):
    job = SourceImportJob.objects.create(filename="s.csv")
    response = client_for(persona).get(reverse("sources:import_job", kwargs={"pk": job.pk}))
    assert response.status_code == (302 if persona == "anonymous" else 403)


def test_starting_a_job_needs_the_import_permissions(client_for, reviewer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.source_import_job_start(user=reviewer, data=_csv(1))
    assert not SourceImportJob.objects.exists()
