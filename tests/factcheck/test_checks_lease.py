"""factcheck.E004: the link lease must comfortably outlive a link-check batch."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from factcheck.checks import link_lease_covers_batches

pytestmark = pytest.mark.django_db


def test_the_default_lease_passes_the_check():
    assert link_lease_covers_batches() == []
    call_command("check")


@override_settings(FACTCHECK_LINK_LEASE_SECONDS=300, FACTCHECK_LINK_TASK_TIME_LIMIT=300)
def test_a_lease_no_longer_than_the_time_limit_stops_the_start_with_a_hint():
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "factcheck.E004" in str(raised.value)
    (error,) = link_lease_covers_batches()
    assert error.id == "factcheck.E004"
    assert "at least 600" in error.hint


@override_settings(FACTCHECK_LINK_LEASE_SECONDS=599, FACTCHECK_LINK_TASK_TIME_LIMIT=300)
def test_a_lease_just_under_twice_the_time_limit_is_refused():
    assert [e.id for e in link_lease_covers_batches()] == ["factcheck.E004"]


@override_settings(FACTCHECK_LINK_LEASE_SECONDS=1200, FACTCHECK_LINK_TASK_TIME_LIMIT=600)
def test_a_lease_twice_the_time_limit_is_accepted():
    assert link_lease_covers_batches() == []
