"""The link-health policy as a table: what one check result does to a link's state."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from sources.fetching import CheckResult, Outcome
from sources.models import CheckOutcome, LinkState
from sources.policy import Health, LinkPolicy, decide

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
URL = "https://news.example.org/story"
POLICY = LinkPolicy()  # the defaults, which are also the settings' defaults
NO_JITTER = LinkPolicy(jitter=0)


def result(outcome: Outcome, **fields) -> CheckResult:
    return CheckResult(url=URL, outcome=outcome, **fields)


def run(outcomes_at: list[tuple[Outcome, float]], *, policy: LinkPolicy = POLICY, **fields):
    """Apply results at the given day offsets; return the health after each as a list."""
    health = Health(url=URL)
    history = []
    rng = random.Random(1)
    for outcome, day in outcomes_at:
        decision = decide(
            health, result(outcome, **fields), now=T0 + timedelta(days=day), policy=policy, rng=rng
        )
        health = Health(
            url=URL,
            state=decision.state,
            consecutive_failures=decision.consecutive_failures,
            failure_points=decision.failure_points,
            first_failure_at=decision.first_failure_at,
            last_counted_failure_at=decision.last_counted_failure_at,
            moved_to_host=decision.moved_to_host,
        )
        history.append(decision)
    return history


def test_the_outcome_labels_cover_every_fetcher_outcome():
    assert set(CheckOutcome.values) == {str(o) for o in Outcome}


@pytest.mark.parametrize("outcome", [Outcome.TIMEOUT, Outcome.CONNECTION_ERROR])
def test_a_single_timeout_or_connection_error_never_kills_a_link(outcome):
    [decision] = run([(outcome, 0)])
    assert decision.state == LinkState.FAILING
    assert decision.failure_points == 1


def test_timeouts_every_few_hours_never_kill_a_link_within_the_spacing():
    decisions = run([(Outcome.TIMEOUT, hours / 24) for hours in range(0, 72, 4)])
    assert {d.state for d in decisions} == {LinkState.FAILING}
    assert decisions[-1].failure_points == 1
    assert sum(d.counted for d in decisions) == 1


@pytest.mark.parametrize("outcome", [Outcome.TIMEOUT, Outcome.SERVER_ERROR, Outcome.DNS_ERROR])
def test_three_hard_failures_three_days_apart_make_a_link_dead(outcome):
    decisions = run([(outcome, 0), (outcome, 3), (outcome, 6)])
    assert [d.state for d in decisions] == [LinkState.FAILING, LinkState.FAILING, LinkState.DEAD]


def test_three_failures_less_than_three_days_apart_do_not_make_it_dead():
    decisions = run(
        [(Outcome.SERVER_ERROR, 0), (Outcome.SERVER_ERROR, 2.9), (Outcome.SERVER_ERROR, 5.8)]
    )
    assert decisions[-1].state == LinkState.FAILING
    assert decisions[-1].failure_points == 2  # day 0 and day 5.8 counted, 2.9 did not


def test_a_404_counts_faster_two_answers_three_days_apart_are_dead():
    decisions = run([(Outcome.NOT_FOUND, 0), (Outcome.NOT_FOUND, 3)])
    assert [d.state for d in decisions] == [LinkState.FAILING, LinkState.DEAD]


def test_a_410_alone_is_not_enough_and_a_second_one_the_next_day_neither():
    decisions = run([(Outcome.GONE, 0), (Outcome.GONE, 1)])
    assert [d.state for d in decisions] == [LinkState.FAILING, LinkState.FAILING]
    assert decisions[-1].failure_points == 2


def test_one_success_resets_the_failing_streak():
    decisions = run(
        [(Outcome.TIMEOUT, 0), (Outcome.TIMEOUT, 3), (Outcome.OK, 4), (Outcome.TIMEOUT, 7)]
    )
    assert decisions[2].state == LinkState.ALIVE
    assert decisions[2].failure_points == 0 and decisions[2].first_failure_at is None
    assert decisions[3].state == LinkState.FAILING and decisions[3].failure_points == 1


def test_a_dead_link_that_answers_again_is_alive():
    decisions = run([(Outcome.NOT_FOUND, 0), (Outcome.NOT_FOUND, 3), (Outcome.OK, 40)])
    assert decisions[1].state == LinkState.DEAD
    assert decisions[2].state == LinkState.ALIVE


@pytest.mark.parametrize("outcome", [Outcome.BLOCKED, Outcome.RATE_LIMITED])
def test_blocked_and_rate_limited_answers_never_count_toward_death(outcome):
    decisions = run([(outcome, day) for day in range(0, 60, 3)])
    assert all(d.failure_points == 0 and not d.counted for d in decisions)
    assert LinkState.DEAD not in {d.state for d in decisions}


def test_blocked_answers_neither_count_nor_reset_a_failing_streak():
    decisions = run([(Outcome.TIMEOUT, 0), (Outcome.BLOCKED, 3), (Outcome.TIMEOUT, 6)])
    assert decisions[1].state == LinkState.BLOCKED and decisions[1].failure_points == 1
    assert decisions[2].failure_points == 2


def test_rate_limited_keeps_the_state_and_honours_retry_after():
    [_alive, limited] = run([(Outcome.OK, 0), (Outcome.RATE_LIMITED, 1)], retry_after=7200.0)
    assert limited.state == LinkState.ALIVE
    now = T0 + timedelta(days=1)
    assert now + timedelta(seconds=7200) <= limited.next_check_at
    assert limited.next_check_at <= now + timedelta(seconds=7200 * 1.1)


def test_rate_limited_without_retry_after_waits_the_configured_delay():
    policy = LinkPolicy(jitter=0, rate_limited_delay_seconds=900)
    [decision] = run([(Outcome.RATE_LIMITED, 0)], policy=policy)
    assert decision.next_check_at == T0 + timedelta(seconds=900)
    assert decision.state == LinkState.UNCHECKED


def test_a_huge_retry_after_is_capped():
    policy = LinkPolicy(jitter=0, retry_after_max_hours=24)
    [decision] = run([(Outcome.RATE_LIMITED, 0)], policy=policy, retry_after=10**9)
    assert decision.next_check_at == T0 + timedelta(hours=24)


@pytest.mark.parametrize("outcome", [Outcome.UNSAFE, Outcome.INVALID_URL])
def test_unsafe_and_invalid_urls_become_unsafe_and_are_rarely_rechecked(outcome):
    [decision] = run([(outcome, 0)], policy=NO_JITTER)
    assert decision.state == LinkState.UNSAFE
    assert decision.next_check_at == T0 + timedelta(hours=NO_JITTER.recheck_unsafe_hours)
    assert decision.failure_points == 0


def test_live_links_are_rechecked_weekly_and_failing_ones_sooner_and_growing():
    ok, fail1, fail2 = run(
        [(Outcome.OK, 0), (Outcome.TIMEOUT, 7), (Outcome.TIMEOUT, 8)], policy=NO_JITTER
    )
    assert ok.next_check_at == T0 + timedelta(days=7)
    assert fail1.next_check_at == T0 + timedelta(days=8)
    assert fail2.next_check_at == T0 + timedelta(days=10)  # 2 days: the delay doubles


def test_a_failing_link_is_looked_at_when_its_next_failure_can_count():
    decisions = run(
        [(Outcome.TIMEOUT, 0), (Outcome.TIMEOUT, 1), (Outcome.TIMEOUT, 2.5)],
        policy=LinkPolicy(jitter=0, recheck_failing_hours=48),
    )
    # 1 day later a 4-day delay would skip the moment (day 3) the next failure counts.
    assert decisions[1].next_check_at == T0 + timedelta(days=3)


def test_jitter_stays_within_its_bounds():
    rng = random.Random(7)
    policy = LinkPolicy(jitter=0.1)
    week = timedelta(days=7)
    delays = [
        decide(Health(url=URL), result(Outcome.OK), now=T0, policy=policy, rng=rng).next_check_at
        - T0
        for _ in range(500)
    ]
    assert all(week * 0.9 <= d <= week * 1.1 for d in delays)
    assert len(set(delays)) > 400  # spread out, not one value
    assert max(delays) - min(delays) > week * 0.15


def test_a_permanent_redirect_to_another_url_is_redirected():
    [decision] = run(
        [(Outcome.OK, 0)],
        final_url="https://news.example.org/2026/story",
        redirects=[(301, "https://news.example.org/2026/story")],
    )
    assert decision.state == LinkState.REDIRECTED
    assert decision.moved_to_host == ""


def test_a_temporary_redirect_is_alive():
    [decision] = run(
        [(Outcome.OK, 0)],
        final_url="https://news.example.org/login?next=/story",
        redirects=[(302, "https://news.example.org/login?next=/story")],
    )
    assert decision.state == LinkState.ALIVE


def test_a_redirect_to_another_registered_site_is_recorded():
    [decision] = run(
        [(Outcome.OK, 0)],
        final_url="https://www.other-publisher.example.com/story",
        redirects=[(301, "https://www.other-publisher.example.com/story")],
    )
    assert decision.state == LinkState.REDIRECTED
    assert decision.moved_to_host == "www.other-publisher.example.com"


def test_a_redirect_within_the_same_registered_site_is_not_a_move():
    health = Health(url="https://www.bbc.co.uk/news/1")
    decision = decide(
        health,
        CheckResult(
            url=health.url,
            outcome=Outcome.OK,
            final_url="https://news.bbc.co.uk/1",
            redirects=[(301, "https://news.bbc.co.uk/1")],
        ),
        now=T0,
    )
    assert decision.state == LinkState.REDIRECTED
    assert decision.moved_to_host == ""
