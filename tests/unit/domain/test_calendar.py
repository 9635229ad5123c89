"""Business-hours calendars: B(a, b) and deadlines as DESIGN.md § SLA policies defines
them, the DST rules of § Business-hours calendar, and agreement with the reference's
independent arithmetic (tests/reference_policies.py) on random instants."""
from __future__ import annotations

import random
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from cluetrain.domain.calendar import ALWAYS_OPEN, BusinessCalendar, local_to_utc
from tests.reference_policies import ReferencePolicy

H, MIN = 3_600_000, 60_000
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def ms(text: str) -> int:
    """'2026-01-05T09:00' (UTC) -> epoch ms."""
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


def span(a: str, b: str) -> tuple[int, int]:
    start, end = (int(x[:2]) * 60 + int(x[3:]) for x in (a, b))
    return start, end if end > start else end + 1440


# 2026-01-05 is a Monday
SPLIT = BusinessCalendar("UTC", {MON: (span("09:00", "12:00"), span("13:00", "18:00"))})


def test_always_open_is_wall_clock():
    assert ALWAYS_OPEN.deadline_ms(1000, 3600_000) == 3601_000
    assert ALWAYS_OPEN.open_ms(1000, 61_000) == 60_000 and ALWAYS_OPEN.open_ms(5, 1) == 0


def test_split_shift_counts_only_open_time():
    assert SPLIT.deadline_ms(ms("2026-01-05T11:30"), H) == ms("2026-01-05T13:30")  # lunch is closed
    assert SPLIT.open_ms(ms("2026-01-05T11:30"), ms("2026-01-05T13:30")) == H
    assert SPLIT.open_ms(ms("2026-01-05T12:00"), ms("2026-01-05T13:00")) == 0


def test_a_target_used_up_at_a_span_end_ends_there():
    # the earliest t with B = SLA is 12:00, not the next opening at 13:00
    assert SPLIT.deadline_ms(ms("2026-01-05T11:00"), H) == ms("2026-01-05T12:00")


def test_a_turn_that_starts_while_closed_counts_from_the_next_opening():
    assert SPLIT.deadline_ms(ms("2026-01-04T15:00"), 30 * MIN) == ms("2026-01-05T09:30")  # a Sunday
    assert SPLIT.deadline_ms(ms("2026-01-05T19:00"), 30 * MIN) == ms("2026-01-12T09:30")  # next Monday
    assert SPLIT.open_ms(ms("2026-01-04T15:00"), ms("2026-01-05T09:30")) == 30 * MIN


def test_a_span_past_midnight_runs_into_the_next_day():
    cal = BusinessCalendar("UTC", {FRI: (span("22:00", "02:00"),)})  # 2026-01-09 is a Friday
    assert cal.deadline_ms(ms("2026-01-09T23:30"), H) == ms("2026-01-10T00:30")
    # 2.5 h left in this span, then next Friday's
    assert cal.deadline_ms(ms("2026-01-09T23:30"), 3 * H) == ms("2026-01-16T22:30")
    assert cal.open_ms(ms("2026-01-09T00:00"), ms("2026-01-11T00:00")) == 4 * H


def test_a_span_whose_end_equals_its_start_lasts_a_day():
    cal = BusinessCalendar("UTC", {MON: (span("09:00", "09:00"),)})
    assert cal.open_ms(ms("2026-01-05T00:00"), ms("2026-01-07T00:00")) == 24 * H


def test_holidays_close_the_spans_that_start_on_them():
    cal = BusinessCalendar("UTC", {SUN: (span("22:00", "02:00"),), MON: (span("09:00", "17:00"),)},
                           frozenset({date(2026, 1, 5)}))
    # Sunday's span runs into the Monday holiday (open until 02:00); Monday's own span is closed
    assert cal.open_ms(ms("2026-01-04T00:00"), ms("2026-01-06T00:00")) == 4 * H
    assert cal.deadline_ms(ms("2026-01-05T01:00"), 2 * H) == ms("2026-01-11T23:00")


def test_overlapping_spans_count_once():
    cal = BusinessCalendar("UTC", {MON: (span("09:00", "13:00"), span("12:00", "14:00")),
                                   SUN: (span("20:00", "10:00"),)})
    assert cal.open_ms(ms("2026-01-04T00:00"), ms("2026-01-06T00:00")) == 4 * H + 14 * H - 4 * H + 4 * H


PARIS = ZoneInfo("Europe/Paris")


def test_a_local_time_that_does_not_exist_is_the_instant_the_clocks_jump():
    # 2026-03-29 02:00 CET the clocks go to 03:00 CEST (01:00 UTC): 02:30 does not exist
    assert local_to_utc(datetime(2026, 3, 29, 2, 30), PARIS) == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)
    assert local_to_utc(datetime(2026, 3, 29, 3, 0), PARIS) == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)
    assert local_to_utc(datetime(2026, 3, 29, 1, 59), PARIS) == datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc)


def test_a_local_time_that_occurs_twice_is_its_first_occurrence():
    # 2026-10-25 03:00 CEST the clocks go back to 02:00 CET: 02:30 happens at 00:30 and 01:30 UTC
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), PARIS) == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
    assert local_to_utc(datetime(2026, 10, 25, 3, 0), PARIS) == datetime(2026, 10, 25, 2, 0, tzinfo=timezone.utc)


def test_spans_across_the_spring_forward_night():
    cal = BusinessCalendar("Europe/Paris", {SUN: (span("01:00", "04:00"),)})
    day = (ms("2026-03-28T12:00"), ms("2026-03-29T12:00"))
    assert cal.open_ms(*day) == 2 * H  # 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC)
    in_the_gap = BusinessCalendar("Europe/Paris", {SUN: (span("02:00", "02:30"),), MON: (span("09:00", "10:00"),)})
    assert in_the_gap.open_ms(*day) == 0  # both ends are the jump: empty
    assert in_the_gap.deadline_ms(ms("2026-03-29T00:00"), 10 * MIN) == ms("2026-03-30T07:10")  # 09:10 CEST


def test_spans_across_the_fall_back_night():
    cal = BusinessCalendar("Europe/Paris", {SUN: (span("01:00", "04:00"),)})
    assert cal.open_ms(ms("2026-10-24T12:00"), ms("2026-10-25T12:00")) == 4 * H  # 23:00 to 03:00 UTC
    half = BusinessCalendar("Europe/Paris", {SUN: (span("02:30", "03:00"),)})
    assert half.open_ms(ms("2026-10-24T12:00"), ms("2026-10-25T12:00")) == 90 * MIN  # 00:30 to 02:00 UTC
    office = BusinessCalendar("Europe/Paris", {MON: (span("09:00", "18:00"),)})
    assert office.deadline_ms(ms("2026-10-26T07:00"), H) == ms("2026-10-26T09:00")  # 09:00 CET = 08:00 UTC


def test_deadlines_cross_years_and_the_calendar_builds_backwards_too():
    cal = BusinessCalendar("UTC", {MON: (span("09:00", "17:00"),)}, frozenset({date(2027, 1, 4)}))
    # 2027-01-04 is a holiday: 8 h on the 11th, the last hour on the 18th
    assert cal.deadline_ms(ms("2026-12-31T12:00"), 9 * H) == ms("2027-01-18T10:00")
    assert cal.open_ms(ms("2025-06-02T00:00"), ms("2025-06-03T00:00")) == 8 * H  # an earlier year after
    assert cal.deadline_ms(ms("2026-12-31T12:00"), 9 * H) == ms("2027-01-18T10:00")


def test_a_calendar_needs_some_open_time():
    with pytest.raises(ValueError):
        BusinessCalendar("UTC", {MON: ()})


def test_agrees_with_the_reference_on_random_instants():
    hours = {"mon": ["09:00-12:00", "13:00-18:00"], "tue": ["22:00-02:00"], "wed": ["01:00-03:00", "02:30-05:00"],
             "sat": ["02:00-02:45"], "sun": ["01:30-03:30", "20:00-20:00"]}
    holidays = ["2026-03-30", "2026-10-26", "2026-12-25"]
    ref = ReferencePolicy({"default": {"timezone": "Europe/Paris", "hours": hours, "holidays": holidays}}, "x", 60)
    week = {["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(d): tuple(span(*s.split("-")) for s in spans)
            for d, spans in hours.items()}
    cal = BusinessCalendar("Europe/Paris", week, frozenset(date.fromisoformat(d) for d in holidays))
    rng = random.Random(5)
    base = ms("2026-03-20T00:00")
    for _ in range(600):
        a = base + rng.randint(0, 280 * 86_400_000)
        b = a + rng.randint(0, 9 * 86_400_000)
        assert cal.open_ms(a, b) == ref.business_ms(a, b)
        sla = rng.choice([1000, MIN, H, 26 * H, rng.randint(1, 10 ** 8)])
        assert cal.deadline_ms(a, sla) == ref.deadline(a, sla)
