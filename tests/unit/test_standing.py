"""core.standing: the prank policy's edges, on incidents built by hand (pure functions, no repository).

Strikes expire with their window, a demotion lasts its hours, a SILENT weighs less and never demotes, a
verified A1 or a supervisor's lift resets, a supervisor's imposed standing wins until it ends, and the
policy's values are checked when they are configured."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from core.ids import new_ulid
from core.models import Category, Channel, Flag, Incident, Priority, Rejection, RejectionReason, Status
from core.standing import (
    DEFAULT_POLICY,
    CallerPolicy,
    CallerRecord,
    Standing,
    assess,
    outcome_of,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CALLER = "+6281234567890"


def call(ago: timedelta, reason: RejectionReason | None = None, verified: bool = False) -> Incident:
    at = NOW - ago
    return Incident(
        id=new_ulid(int(at.timestamp() * 1000)),
        status=Status.REJECTED if reason else Status.VERIFIED if verified else Status.RECEIVED,
        channel=Channel.VOICE,
        caller=CALLER,
        rejection=Rejection(
            reason=reason, duplicate_of=new_ulid() if reason is RejectionReason.DUPLICATE else None
        )
        if reason
        else None,
        category=Category.FIRE if verified else None,
        priority=Priority.P1 if verified else None,
        verified_at=at + timedelta(minutes=2) if verified else None,
        created_by="system:intake",
        received_at=at,
        updated_at=at,
        version=2,
    )


def pranks(*hours_ago: float) -> list[Incident]:
    return [call(timedelta(hours=h), RejectionReason.PRANK) for h in hours_ago]


def standing(
    history: Sequence[Incident], record: CallerRecord | None = None, now: datetime = NOW
) -> Standing:
    return assess(history, record, now, DEFAULT_POLICY).standing


# -- WARNED: strikes in a window, and when they expire -----------------------------------------------


def test_no_history_is_normal() -> None:
    assessment = assess([], None, NOW, DEFAULT_POLICY)
    assert (assessment.standing, assessment.until, assessment.recent_pranks) == (Standing.NORMAL, None, 0)


def test_two_pranks_are_not_yet_a_warning_three_are() -> None:
    assert standing(pranks(1, 2)) is Standing.NORMAL
    assert standing(pranks(1, 2, 3)) is Standing.WARNED


def test_a_warning_lasts_until_enough_strikes_have_expired() -> None:
    history = pranks(1, 2, 23)
    assessment = assess(history, None, NOW, DEFAULT_POLICY)
    # the oldest strike (23 h ago) leaves the 24 h window in an hour: two remain, below three
    assert assessment.until == NOW - timedelta(hours=23) + timedelta(hours=24)
    assert standing(history, now=NOW + timedelta(minutes=59)) is Standing.WARNED
    assert standing(history, now=NOW + timedelta(hours=1)) is Standing.NORMAL


def test_strikes_older_than_the_window_do_not_count() -> None:
    assert standing(pranks(1, 2, 25)) is Standing.NORMAL


def test_non_emergencies_and_duplicates_are_no_strikes() -> None:
    history = [
        *pranks(1, 2),
        call(timedelta(hours=3), RejectionReason.NON_EMERGENCY),
        call(timedelta(hours=4), RejectionReason.DUPLICATE),
        call(timedelta(hours=5)),  # still open
    ]
    assert standing(history) is Standing.NORMAL


# -- SILENT counts lighter -------------------------------------------------------------------------------


def test_a_silent_line_weighs_half_a_strike() -> None:
    silent = call(timedelta(hours=3), RejectionReason.SILENT)
    assert standing([*pranks(1, 2), silent]) is Standing.NORMAL  # 2.5 strikes
    other = call(timedelta(hours=4), RejectionReason.SILENT)
    assert standing([*pranks(1, 2), silent, other]) is Standing.WARNED  # 3


def test_silent_lines_never_demote_and_are_not_pranks() -> None:
    silents = [call(timedelta(hours=h), RejectionReason.SILENT) for h in range(1, 12)]
    assessment = assess(silents, None, NOW, DEFAULT_POLICY)
    assert assessment.standing is Standing.WARNED
    assert assessment.demoted_until is None
    assert assessment.recent_pranks == 0


def test_a_silent_weight_of_zero_ignores_silent_lines() -> None:
    policy = CallerPolicy(silent_weight=0)
    silents = [call(timedelta(hours=h), RejectionReason.SILENT) for h in range(1, 12)]
    assert assess(silents, None, NOW, policy).standing is Standing.NORMAL


# -- DEMOTED: pranks in a week, for a day ----------------------------------------------------------------


def test_five_pranks_in_a_week_demote_for_a_day_from_the_fifth() -> None:
    history = pranks(2, 30, 60, 90, 150)  # over 6.25 days, the newest 2 h ago
    assessment = assess(history, None, NOW, DEFAULT_POLICY)
    assert assessment.standing is Standing.DEMOTED
    assert assessment.until == NOW - timedelta(hours=2) + timedelta(hours=24)
    assert standing(history, now=NOW + timedelta(hours=21, minutes=59)) is Standing.DEMOTED
    assert standing(history, now=NOW + timedelta(hours=22)) is Standing.NORMAL


def test_five_pranks_spread_over_more_than_a_week_do_not_demote() -> None:
    assert standing(pranks(2, 30, 60, 90, 7 * 24 + 3)) is Standing.NORMAL


def test_demoted_wins_over_warned() -> None:
    assessment = assess(pranks(1, 2, 3, 4, 5), None, NOW, DEFAULT_POLICY)
    assert assessment.standing is Standing.DEMOTED
    assert assessment.warned_until is not None  # both are kept on the record for the supervisors' list


def test_a_demotion_ended_leaves_only_what_the_window_still_says() -> None:
    # Five pranks, the last 30 hours ago: the demotion ended 6 hours ago and no warning is left.
    assert standing(pranks(30, 31, 32, 33, 34)) is Standing.NORMAL


# -- resets: a verified A1, a supervisor's lift ------------------------------------------------------------


def test_a_verified_a1_resets_the_strikes_before_it() -> None:
    history = [*pranks(3, 4, 5), call(timedelta(hours=2), verified=True)]
    assessment = assess(history, None, NOW, DEFAULT_POLICY)
    assert assessment.standing is Standing.NORMAL
    assert assessment.reset_at == NOW - timedelta(hours=2)
    assert assessment.recent_pranks == 3  # a fact the operator still sees


def test_strikes_after_a_verified_a1_count_again() -> None:
    history = [call(timedelta(hours=6), verified=True), *pranks(3, 4, 5)]
    assert standing(history) is Standing.WARNED


def test_a_verified_a1_ends_a_demotion() -> None:
    history = [*pranks(3, 4, 5, 6, 7), call(timedelta(hours=1), verified=True)]
    assert standing(history) is Standing.NORMAL


def test_a_supervisors_lift_resets_the_strikes_before_it() -> None:
    record = CallerRecord(caller=CALLER, cleared_at=NOW - timedelta(hours=1), updated_at=NOW, updated_by="sv")
    assert standing(pranks(2, 3, 4, 5, 6), record) is Standing.NORMAL
    assert standing([*pranks(2, 3, 4, 5, 6), *pranks(0.1, 0.2, 0.3)], record) is Standing.WARNED


# -- a supervisor's imposed standing -----------------------------------------------------------------------


def imposed(
    standing: Standing, until: datetime | None, at: datetime = NOW - timedelta(hours=1)
) -> CallerRecord:
    return CallerRecord(
        caller=CALLER, imposed=standing, imposed_at=at, imposed_until=until, updated_at=at, updated_by="sv"
    )


def test_an_imposed_standing_wins_until_it_ends() -> None:
    record = imposed(Standing.DEMOTED, NOW + timedelta(hours=5))
    assessment = assess([], record, NOW, DEFAULT_POLICY)
    assert (assessment.standing, assessment.until, assessment.imposed) == (
        Standing.DEMOTED,
        NOW + timedelta(hours=5),
        True,
    )
    assert standing([], record, now=NOW + timedelta(hours=5)) is Standing.NORMAL


def test_an_imposed_warning_wins_over_the_policys_demotion() -> None:
    record = imposed(Standing.WARNED, None)
    assert standing(pranks(1, 2, 3, 4, 5), record) is Standing.WARNED


def test_a_verified_a1_after_an_imposition_ends_it() -> None:
    record = imposed(Standing.DEMOTED, None, at=NOW - timedelta(hours=3))
    assert standing([call(timedelta(hours=1), verified=True)], record) is Standing.NORMAL
    assert standing([call(timedelta(hours=4), verified=True)], record) is Standing.DEMOTED


def test_the_record_says_the_standing_at_any_moment_until_assessed_again() -> None:
    record = CallerRecord(
        caller=CALLER,
        warned_until=NOW + timedelta(hours=30),
        demoted_until=NOW + timedelta(hours=10),
        updated_at=NOW,
        updated_by="operator1",
    )
    assert record.standing_at(NOW) == (Standing.DEMOTED, NOW + timedelta(hours=10))
    assert record.standing_at(NOW + timedelta(hours=10)) == (Standing.WARNED, NOW + timedelta(hours=30))
    assert record.standing_at(NOW + timedelta(hours=30)) == (Standing.NORMAL, None)
    assert record.listed_until() == NOW + timedelta(hours=30)


# -- history in words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incident", "outcome"),
    [
        (call(timedelta(hours=1), RejectionReason.PRANK), "PRANK"),
        (call(timedelta(hours=1), RejectionReason.SILENT), "SILENT"),
        (call(timedelta(hours=1), RejectionReason.NON_EMERGENCY), "NON_EMERGENCY"),
        (call(timedelta(hours=1), verified=True), "VERIFIED"),
        (call(timedelta(hours=1)), "OPEN"),
    ],
)
def test_outcomes(incident: Incident, outcome: str) -> None:
    assert outcome_of(incident) == outcome


def test_the_recent_pranks_count_the_history_window_only() -> None:
    history = pranks(1, 24 * 29, 24 * 31)
    assert assess(history, None, NOW, DEFAULT_POLICY).recent_pranks == 2


def test_flags_are_kept_apart_from_the_outcome() -> None:
    flagged = call(timedelta(hours=1)).model_copy(update={"flags": [Flag.WARNED]})
    assert outcome_of(flagged) == "OPEN"


# -- the policy as configured ------------------------------------------------------------------------------


def test_the_defaults_follow_the_documented_practice() -> None:
    assert (DEFAULT_POLICY.warn_after, DEFAULT_POLICY.warn_window_hours) == (3, 24)
    assert (DEFAULT_POLICY.demote_after, DEFAULT_POLICY.demote_window_days, DEFAULT_POLICY.demote_hours) == (
        5,
        7,
        24,
    )
    assert DEFAULT_POLICY.silent_weight == 0.5
    assert (DEFAULT_POLICY.history_days, DEFAULT_POLICY.retention_days) == (30, 90)


def test_configured_values_change_the_thresholds() -> None:
    policy = CallerPolicy.model_validate({"warnAfter": 2, "warnWindowHours": 12})
    assert assess(pranks(1, 11), None, NOW, policy).standing is Standing.WARNED
    assert assess(pranks(1, 13), None, NOW, policy).standing is Standing.NORMAL


@pytest.mark.parametrize(
    "values",
    [
        {"historyDays": 7},  # shorter than the demotion's week and day
        {"retentionDays": 20},  # shorter than the history
        {"warnAfter": 0},
        {"silentWeight": 2},
        {"demoteAfter": 0},
        {"unknownKey": 1},
    ],
)
def test_a_policy_that_cannot_work_is_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CallerPolicy.model_validate(values)
