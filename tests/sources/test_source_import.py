"""CSV import and export of sources: the format, the dry run, all-or-nothing, the commands."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from sources import csv_format, services
from sources.models import Source, SourceDomain, SourceRating
from tests.factories import LinkFactory, SourceFactory

pytestmark = pytest.mark.django_db

HEADER = "name,kind,home_url,domains,country,language,rating,rating_rationale,notes\r\n"
GOOD = (
    HEADER
    + "BBC,news,https://www.bbc.co.uk/,bbc.co.uk bbc.com,GB,en,high,Corrects errors openly.,\r\n"
    + 'Reuters,wire,https://www.reuters.com/,"reuters.com; reuters.co.uk",,en,high,"Wire, '
    + 'checked.",\r\n'
    + "Somebody's blog,blog,,someblog.example.net,,,unrated,,Found in a claim\r\n"
)


def _import(user, text: str | bytes, *, dry_run: bool = False, filename: str = "s.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return services.sources_import(user=user, data=data, filename=filename, dry_run=dry_run)


def _export() -> str:
    out = io.StringIO()
    call_command("export_sources", stdout=out)
    return out.getvalue()


# ------------------------------------------------------------------------ good files


def test_a_dry_run_lists_what_it_would_do_and_stores_nothing(admin_persona):
    SourceFactory(name="BBC", kind="news", domains=["bbc.co.uk"])
    report = _import(admin_persona, GOOD, dry_run=True)
    assert report.ok and not report.applied
    assert [(row.line, row.name, row.action) for row in report.rows] == [
        (2, "BBC", "update"),
        (3, "Reuters", "create"),
        (4, "Somebody's blog", "create"),
    ]
    assert set(report.rows[0].changes) == {
        "home_url",
        "domains",
        "country",
        "language",
        "rating",
        "rating_rationale",
    }
    assert Source.objects.count() == 1 and not AuditEvent.objects.exists()


def test_an_import_creates_and_updates_sources_with_history_and_audit(admin_persona):
    bbc = SourceFactory(name="bbc", kind="news", domains=["bbc.co.uk"])
    link = LinkFactory(url="https://www.reuters.com/a", host="www.reuters.com")
    report = _import(admin_persona, GOOD, filename="desk.csv")
    assert report.applied and report.counts == {
        "create": 2,
        "update": 1,
        "unchanged": 0,
        "refuse": 0,
    }
    bbc.refresh_from_db()
    assert bbc.name == "BBC"  # matched case-insensitively, spelled as the file says
    assert sorted(bbc.domains.values_list("domain", flat=True)) == ["bbc.co.uk", "bbc.com"]
    assert bbc.ratings.get().rated_by == admin_persona
    reuters = Source.objects.get(name="Reuters")
    assert reuters.rating_rationale == "Wire, checked."
    assert sorted(reuters.domains.values_list("domain", flat=True)) == [
        "reuters.co.uk",
        "reuters.com",
    ]
    link.refresh_from_db()
    assert link.source == reuters
    imported = AuditEvent.objects.get(action="sources.source.imported")
    assert imported.changes == {"file": "desk.csv", "created": 2, "updated": 1, "unchanged": 0}
    created = AuditEvent.objects.filter(action="sources.source.created").first()
    assert "CSV import of desk.csv, line" in created.message


def test_a_csv_round_trip_changes_nothing(admin_persona):
    _import(admin_persona, GOOD)
    SourceFactory(name="=cmd|' /C calc'!A0", notes="@SUM(1+1)")  # a formula, neutralised
    exported = _export()
    assert "'=cmd" in exported and "'@SUM" in exported
    before = {s.name: csv_format.source_row(s) for s in Source.objects.prefetch_related("domains")}
    report = _import(admin_persona, exported)
    assert report.applied and report.counts["unchanged"] == 4
    assert report.counts["create"] == report.counts["update"] == 0
    after = {s.name: csv_format.source_row(s) for s in Source.objects.prefetch_related("domains")}
    assert after == before
    assert SourceRating.objects.count() == 2  # no new rating rows either


def test_a_spreadsheets_utf8_with_bom_and_semicolons_is_accepted(admin_persona):
    text = "\ufeffname;kind;domains;country;language\r\nLe Monde;news;lemonde.fr;France;fr\r\n"
    report = _import(admin_persona, text.encode("utf-8"))
    assert report.applied
    source = Source.objects.get(name="Le Monde")
    assert (source.country, source.language) == ("FR", "fr")
    assert list(source.domains.values_list("domain", flat=True)) == ["lemonde.fr"]


def test_missing_columns_leave_those_fields_as_they_are(admin_persona):
    source = SourceFactory(name="Example", kind="ngo", notes="Keep me", domains=["example.org"])
    report = _import(admin_persona, "name,rating,rating_rationale\nExample,low,Often wrong.\n")
    assert report.applied and report.rows[0].action == "update"
    source.refresh_from_db()
    assert (source.kind, source.notes, source.rating) == ("ngo", "Keep me", "low")
    assert list(source.domains.values_list("domain", flat=True)) == ["example.org"]


def test_labels_and_names_are_understood_as_well_as_codes(admin_persona):
    text = "name,kind,rating,rating_rationale,country,language\nX,News outlet,Mixed,Why,gb,pt_br\n"
    report = _import(admin_persona, text)
    assert report.applied
    source = Source.objects.get(name="X")
    assert (source.kind, source.rating, source.country, source.language) == (
        "news",
        "mixed",
        "GB",
        "pt-BR",
    )


# ------------------------------------------------------------------------ bad files


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",news,,,,,,,", "name: the name is missing"),
        ("X,tabloid,,,,,,,", "kind: “tabloid” is not a kind"),
        ("X,news,,,,,stellar,Why,", "rating: “stellar” is not a rating"),
        ("X,news,,,,,high,,", "rating_rationale: a rating needs its rationale"),
        ("X,news,htp//nope,,,,,,", "home_url: “htp//nope” is not a web address"),
        ("X,news,,co.uk,,,,,", "domains: “co.uk” is a public suffix"),
        ("X,news,,taken.example,,,,,", "domains: taken.example already belongs to Owner"),
        ("X,news,,,Narnia,,,,", "country: “Narnia” is not a country"),
        ("X,news,,,,xx-nope,,,", "language: “xx-nope” is not a language"),
        ("X,news,,,,,,", "the row has 8 cells, the header 9"),
        ("X" * 301 + ",news,,,,,,,", "name: longer than 300 characters"),
    ],
)
def test_a_refused_row_says_why_and_nothing_is_imported(admin_persona, row, reason):
    SourceFactory(name="Owner", domains=["taken.example"])
    text = HEADER + "Fine source,news,,fine.example,,,,,\r\n" + row + "\r\n"
    report = _import(admin_persona, text)
    assert not report.ok and not report.applied
    assert report.rows[0].action == "create"
    refused = report.rows[1]
    assert refused.action == "refuse" and refused.line == 3
    assert any(reason in message for message in refused.reasons), refused.reasons
    assert not Source.objects.filter(name="Fine source").exists()
    assert not SourceDomain.objects.filter(domain="fine.example").exists()
    assert not AuditEvent.objects.exists()


def test_a_domain_or_a_name_twice_in_one_file_is_refused(admin_persona):
    text = "name,domains\nA,one.example\nB,one.example\na,two.example\n"
    report = _import(admin_persona, text)
    assert [row.action for row in report.rows] == ["create", "refuse", "refuse"]
    assert "one.example is also listed for A on line 2" in report.rows[1].reasons[0]
    assert "a is also on line 2" in report.rows[2].reasons[0]
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("Name,Kind\nX,news\n".encode("utf-16"), "not UTF-8"),
        ("name\nCafé\n".encode("latin-1"), "line 2 has a byte UTF-8 does not allow"),
        (b"name\nX\x00\n", "NUL bytes"),
        (b"", "empty"),
        (b"name,kind\n", "no rows"),
        (b"title,kind\nX,news\n", "unknown column 'title'"),
        (b"kind,home_url\nnews,https://x.org/\n", "no name column"),
        (b"name,name\nX,Y\n", "name more than once"),
        (b'name,notes\nX,"unterminated\n', "cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(admin_persona, data, error):
    report = _import(admin_persona, data)
    assert not report.ok and not report.rows
    assert error in report.errors[0]
    assert not Source.objects.exists()


def test_a_file_over_the_size_limit_is_refused(admin_persona, settings):
    settings.FACTCHECK_SOURCES_IMPORT_MAX_BYTES = 100
    report = _import(admin_persona, HEADER + "X,news,,,,,,,\n" * 10)
    assert "the limit is 100 bytes" in report.errors[0]
    assert not Source.objects.exists()


def test_a_change_between_preview_and_import_rolls_everything_back(admin_persona, monkeypatch):
    """If the registry changes under the import (here: a domain registered meanwhile), the
    rows already written are undone and the report says so."""
    from sources.services import importing

    real_plan = importing._plan

    def plan_then_change(header, records):
        plans = real_plan(header, records)
        SourceFactory(name="Quick", domains=["late.example"])
        return plans

    monkeypatch.setattr(importing, "_plan", plan_then_change)
    text = "name,domains\nFirst,first.example\nSecond,late.example\n"
    report = _import(admin_persona, text)
    assert not report.applied
    assert "registry changed while importing" in report.errors[0]
    assert "late.example already belongs to Quick" in report.errors[0]
    assert not Source.objects.filter(name__in=["First", "Second"]).exists()
    assert not AuditEvent.objects.filter(action__startswith="sources.source.").exists()


@pytest.mark.parametrize("persona", ["reviewer", "editor"])
def test_only_admins_import(persona, request):
    with pytest.raises(PermissionDenied):
        _import(request.getfixturevalue(persona), GOOD)


# ------------------------------------------------------------------------ commands


def test_the_import_command_previews_then_imports(tmp_path, admin_persona):
    path = tmp_path / "sources.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    out = io.StringIO()
    call_command("import_sources", str(path), "--dry-run", stdout=out)
    assert "line 2: create BBC" in out.getvalue()
    assert "Dry run, nothing stored: 3 to create" in out.getvalue()
    assert not Source.objects.exists()
    call_command("import_sources", str(path), "--user", admin_persona.username, stdout=out)
    assert Source.objects.count() == 3
    assert AuditEvent.objects.get(action="sources.source.imported").actor == admin_persona


def test_the_import_command_fails_and_stores_nothing_on_a_refused_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,kind\nGood,news\nBad,tabloid\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 to create, 0 to update"):
        call_command("import_sources", str(path), stdout=io.StringIO(), stderr=err)
    assert "line 3: REFUSED Bad — kind:" in err.getvalue()
    assert not Source.objects.exists()


def test_the_import_command_refuses_a_user_without_the_permission(tmp_path, reviewer):
    path = tmp_path / "s.csv"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError, match="Only admins"):
        call_command("import_sources", str(path), "--user", reviewer.username)
    with pytest.raises(CommandError, match="No user named"):
        call_command("import_sources", str(path), "--user", "nobody-at-all")


def test_the_export_command_writes_a_file_the_import_reads(tmp_path, admin_persona):
    _import(admin_persona, GOOD)
    path = tmp_path / "out.csv"
    call_command("export_sources", str(path), "--bom", stderr=io.StringIO())
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    assert b"BBC,news,https://www.bbc.co.uk/,bbc.co.uk bbc.com,GB,en,high" in data
    report = _import(admin_persona, data)
    assert report.applied and report.counts["unchanged"] == 3
