"""Claims from a spreadsheet (issue 15): a CSV file of claims with their appearances is
previewed (nothing saved), then imported all or nothing; rows of one wording are one claim;
a wording already entered gets more appearances and importing the file again adds nothing;
bad files and bad rows are refused with their line, and nothing is lost."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from claims.models import Appearance, Claim, Claimant
from claims.services.claims_import import claims_import

pytestmark = pytest.mark.django_db

PREVIEW = reverse("claims:claims_import")
CONFIRM = reverse("claims:claims_import_confirm")
GOOD = (
    "claim,claimant,claimant_kind,where,url,medium,programme,timestamp,date,description\n"
    "Unemployment has halved since 2020.,Ana Minister,person,spoken,,tv,Evening Debate,"
    "00:12:30,2026-11-03,\n"
    "unemployment has  halved since 2020.,,,web,https://social.example.org/ana/1,,,,"
    "2026-11-04,\n"
    "Crime doubled last year.,City Police Union,organisation,other,,,,,,A leaflet\n"
)


def _run(user, text: str, dry_run: bool = False):
    return claims_import(user=user, data=text.encode(), filename="claims.csv", dry_run=dry_run)


def test_a_file_is_imported_as_claims_with_appearances_and_claimants(reviewer):
    report = _run(reviewer, GOOD)
    assert report.applied and report.errors == [] and report.refused == []
    assert (report.claims_created, report.appearances_created) == (2, 3)
    halved = Claim.objects.get(text="Unemployment has halved since 2020.")
    assert halved.article is None and halved.origin == Claim.Origin.ENTERED
    assert halved.claimant.name == "Ana Minister" and halved.claimant.kind == "person"
    assert sorted(a.kind for a in halved.appearances.all()) == ["spoken", "web"]
    spoken = halved.appearances.get(kind="spoken")
    assert (spoken.medium, spoken.programme, spoken.timestamp) == (
        "tv",
        "Evening Debate",
        "00:12:30",
    )
    assert spoken.said_on == datetime.date(2026, 11, 3)
    crime = Claim.objects.get(text="Crime doubled last year.")
    assert crime.claimant.kind == Claimant.Kind.ORGANISATION
    assert crime.appearances.get().description == "A leaflet"
    assert AuditEvent.objects.filter(action="claims.claim.entered").count() == 2
    assert AuditEvent.objects.get(action="claims.claims_imported").changes["claims_created"] == 2


def test_the_dry_run_saves_nothing_and_says_what_would_happen(reviewer):
    report = _run(reviewer, GOOD, dry_run=True)
    assert report.ok and not report.applied
    assert [row.outcome for row in report.rows] == [
        "new claim",
        "another appearance of line 2's claim",
        "new claim",
    ]
    assert (report.new_claims, report.new_appearances) == (2, 3)
    assert report.new_claimants == ["Ana Minister", "City Police Union"]
    assert not Claim.objects.exists() and not Claimant.objects.exists()


def test_importing_the_same_file_again_adds_nothing(reviewer):
    _run(reviewer, GOOD)
    again = _run(reviewer, GOOD, dry_run=True)
    assert again.new_claims == 0 and again.new_appearances == 0
    assert again.rows[0].outcome.startswith("already recorded on claim #")
    _run(reviewer, GOOD)
    assert Claim.objects.count() == 2 and Appearance.objects.count() == 3
    assert Claimant.objects.count() == 2


def test_a_wording_already_on_the_desk_gets_more_appearances(reviewer):
    _run(reviewer, GOOD)
    more = GOOD.splitlines()[0] + "\nCrime doubled last year.,,,web,https://example.org/x,,,,,\n"
    report = _run(reviewer, more)
    crime = Claim.objects.get(text="Crime doubled last year.")
    assert report.claims_created == 0 and crime.appearances.count() == 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",,,web,https://example.org,,,,,", "wording is empty"),
        ("A claim.,,,radio,,,,,,", "web, spoken or other"),
        ("A claim.,,,web,,,,,,", "url"),
        ("A claim.,,,web,javascript:alert(1),,,,,", "url"),
        ("A claim.,,,spoken,,,,,,", "medium"),
        ("A claim.,,,spoken,,tv,,12:30,,", "timestamp"),
        ("A claim.,,,other,,,,,,", "description"),
        ("A claim.,,,web,https://example.org,,,,03/11/2026,", "YYYY-MM-DD"),
        ("A claim.,Ana,robot,web,https://example.org,,,,,", "person or organisation"),
        ("A claim.,,,web,https://example.org,,,,,,extra", "more cells"),
        ("x" * 2001 + ",,,web,https://example.org,,,,,", "longer than"),
    ],
)
def test_a_bad_row_is_refused_with_its_line_and_nothing_is_imported(reviewer, row, reason):
    text = GOOD + row + "\n"
    report = _run(reviewer, text)
    assert not report.applied
    [refused] = report.refused
    assert refused.line == 5 and any(reason in r for r in refused.reasons), refused.reasons
    assert not Claim.objects.exists() and not Claimant.objects.exists()


def test_one_claim_has_one_claimant(reviewer):
    text = GOOD + "Unemployment has halved since 2020.,Bo Rival,,web,https://example.org/b,,,,,\n"
    [refused] = _run(reviewer, text).refused
    assert "Line 2 says this claim was made by 'Ana Minister'" in refused.reasons[0]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "header row"),
        (b"claim,where\n", "no rows"),
        (b"claim,where,colour\nA,web,red\n", "unknown column"),
        (b"claimant,where\nAna,web\n", "no claim column"),
        (b"claim,where\n\xff\xfe,web\n", "not UTF-8"),
        (b"claim,where\nA\x00,web\n", "NUL"),
    ],
)
def test_a_bad_file_is_refused_whole(reviewer, data, error):
    report = claims_import(user=reviewer, data=data, filename="x.csv", dry_run=False)
    assert not report.applied and any(error in e for e in report.errors), report.errors
    assert not Claim.objects.exists()


def test_limits_on_size_and_rows(reviewer, settings):
    settings.FACTCHECK_CLAIMS_IMPORT_MAX_ROWS = 2
    assert "the limit is 2" in _run(reviewer, GOOD).errors[0]
    settings.FACTCHECK_CLAIMS_IMPORT_MAX_BYTES = 100
    assert "too large" in _run(reviewer, GOOD).errors[0]
    assert not Claim.objects.exists()


def test_only_reviewers_import(reader):
    with pytest.raises(PermissionDenied):
        _run(reader, GOOD)


def test_a_formula_cell_is_read_as_text(reviewer):
    _run(reviewer, "claim,where,description\n'=HYPERLINK(1),other,A leaflet\n")
    assert Claim.objects.get().text == "=HYPERLINK(1)"


# ------------------------------------------------------------------------------- pages


def test_preview_then_import_through_the_pages(client_for, reviewer):
    client = client_for("reviewer")
    assert client.get(PREVIEW).status_code == 200
    preview = client.post(PREVIEW, {"file": SimpleUploadedFile("claims.csv", GOOD.encode())})
    html = preview.content.decode()
    assert preview.status_code == 200 and "Ready to import claims.csv" in html
    assert "another appearance of line 2&#x27;s claim" in html and not Claim.objects.exists()
    payload = preview.context["payload"]
    done = client.post(CONFIRM, {"payload": payload}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("claims:claim_queue")
    assert "Imported 2 new claim(s) and 3 appearance(s)" in done.content.decode()
    assert Claim.objects.count() == 2


def test_a_refused_file_offers_no_import_and_an_altered_payload_is_refused(client_for, reviewer):
    client = client_for("reviewer")
    bad = client.post(PREVIEW, {"file": SimpleUploadedFile("c.csv", b"claim,where\nA,radio\n")})
    assert bad.status_code == 400 and "cannot be imported" in bad.content.decode()
    assert bad.context["payload"] == "" and CONFIRM not in bad.content.decode()
    tampered = client.post(CONFIRM, {"payload": "not-signed"}, follow=True)
    assert "expired or was altered" in tampered.content.decode()
    assert not Claim.objects.exists()


@pytest.mark.parametrize("persona", ["anonymous", "reader"])
def test_people_who_do_not_review_cannot_import(client_for, persona):
    response = client_for(persona).post(
        PREVIEW, {"file": SimpleUploadedFile("claims.csv", GOOD.encode())}
    )
    assert response.status_code in (302, 403)
    assert not Claim.objects.exists()
