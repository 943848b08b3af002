"""Snapshots in an S3-compatible object store (django-storages' S3Storage, the production
option in docs/configuration.md), against moto's S3 server on 127.0.0.1: the files land in
the bucket, warcio reads the WARC back from it, an unreachable store keeps the row pending
with its error until the store is back, and the retention prune deletes from the bucket."""

from __future__ import annotations

import io
import socket
import uuid
from datetime import timedelta

import boto3
import httpx
import pytest
from botocore.config import Config
from django.utils import timezone
from moto.server import ThreadedMotoServer
from warcio.archiveiterator import ArchiveIterator

from sources.models import Snapshot
from sources.services import snapshots
from tests.factories import LinkFactory
from tests.sources.httpserver import respond
from tests.sources.test_snapshots import ARTICLE, server

__all__ = ["server"]  # the local web server fixture, shared

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3(settings, patch_setting):
    """moto's S3 server on 127.0.0.1 with an empty private bucket, named by the alias
    ``snapshots-s3`` in STORAGES; yields (moto server, bucket, endpoint)."""
    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)
    # moto keeps its buckets in the process: each test its own.
    bucket = f"desk-evidence-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "snapshots-s3": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": "us-east-1",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                # A store that is away fails fast (the snapshot retries later).
                "client_config": Config(
                    connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}
                ),
            },
        },
    }
    patch_setting("FACTCHECK_SNAPSHOT_STORAGE", "snapshots-s3")
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", True)
    yield moto, Bucket(client, bucket), endpoint
    moto.stop()


class Bucket:
    def __init__(self, client, name: str) -> None:
        self.client, self.name = client, name

    def names(self) -> set[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return {item["Key"] for item in listing.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def _take(url: str) -> Snapshot:
    snapshot = snapshots.snapshot_request(link=LinkFactory(url=url))
    return snapshots.snapshot_take(snapshot_id=snapshot.pk)


@pytest.mark.django_db
def test_the_body_and_warc_are_stored_in_the_bucket_and_read_back(server, s3):
    _moto, bucket, endpoint = s3
    server.route("/jobs", respond(200, ARTICLE))
    snapshot = _take(server.url("/jobs"))
    assert snapshot.state == Snapshot.State.DONE, snapshot.error
    assert bucket.names() == {snapshot.body_name, snapshot.warc_name}
    data = bucket.read(snapshot.warc_name)
    records = {
        r.rec_type: r.rec_headers.get_header("WARC-Target-URI")
        for r in ArchiveIterator(io.BytesIO(data))
    }
    assert records["response"] == server.url("/jobs")
    # The storage API reads it the same (the reviewer's download goes through it).
    with snapshots.snapshot_storage().open(snapshot.warc_name, "rb") as handle:
        assert handle.read() == data
    # Private: an unsigned request for the object is refused.
    assert httpx.get(f"{endpoint}/{bucket.name}/{snapshot.warc_name}").status_code == 403


@pytest.mark.django_db
def test_an_unreachable_store_keeps_the_snapshot_pending_until_it_is_back(server, s3):
    moto, bucket, _endpoint = s3
    server.route("/jobs", respond(200, ARTICLE))
    moto.stop()
    snapshot = _take(server.url("/jobs"))
    assert snapshot.state == Snapshot.State.PENDING
    assert snapshot.error.startswith("storage: ")
    assert snapshot.next_attempt_at is not None
    moto.start()
    bucket.client.create_bucket(Bucket=bucket.name)  # (a no-op if moto kept it)
    Snapshot.objects.filter(pk=snapshot.pk).update(next_attempt_at=timezone.now())
    again = snapshots.snapshot_take(snapshot_id=snapshot.pk)
    assert again.state == Snapshot.State.DONE
    assert again.warc_name in bucket.names()


@pytest.mark.django_db
def test_the_retention_prune_deletes_old_files_from_the_bucket(server, s3, patch_setting):
    _moto, bucket, _endpoint = s3
    server.route("/jobs", respond(200, ARTICLE))
    link = LinkFactory(url=server.url("/jobs"))
    old = snapshots.snapshot_take(snapshot_id=snapshots.snapshot_request(link=link).pk)
    newest = snapshots.snapshot_take(snapshot_id=snapshots.snapshot_request(link=link).pk)
    Snapshot.objects.filter(pk=old.pk).update(fetched_at=timezone.now() - timedelta(days=400))
    patch_setting("FACTCHECK_SNAPSHOT_RETENTION_DAYS", 365)
    assert snapshots.snapshots_prune() == 1
    assert bucket.names() == {newest.body_name, newest.warc_name}
    old.refresh_from_db()
    assert old.files_deleted_at is not None and old.text  # the row and its text stay
