"""Business-hours calendars: open time as merged UTC spans, B(a, b) and deadlines.

DESIGN.md § SLA policies (extension) and § Business-hours calendar. A calendar is a
weekly pattern of local spans (minutes of the day; an end at or before the start runs
past midnight), holidays (local dates whose spans are closed) and an IANA timezone.
Its open time is built lazily, one local year at a time, as sorted disjoint UTC spans
with the cumulative open time at each span's end, so that B(a, b) and a deadline are
two binary searches, whatever the number of spans: no scan per turn.

Local times that do not exist or occur twice (DESIGN.md § Business-hours calendar):
a time in a spring-forward gap is the instant the clocks jump (Paris, last Sunday of
March: 02:30 is 03:00 CEST = 01:00 UTC); a time that occurs twice is its first
occurrence (fold=0: Paris, last Sunday of October, 02:30 is 02:30 CEST = 00:30 UTC).
Both rules keep the local -> UTC mapping monotonic, so a span never turns negative.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 1440

# a local span: (start minute in [0, 1440), end minute in (start, start + 1440]);
# an end past 1440 is on the next day
Span = tuple[int, int]


class AlwaysOpen:
    """24/7: business time is wall-clock time (the behaviour without a policy file)."""

    def open_ms(self, start_ms: int, end_ms: int) -> int:
        return max(0, end_ms - start_ms)

    def deadline_ms(self, start_ms: int, sla_ms: int) -> int:
        return start_ms + max(0, sla_ms)


ALWAYS_OPEN = AlwaysOpen()


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive local time -> the aware UTC instant, with the gap and fold rules above."""
    utc = wall.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)
    if utc.astimezone(tz).replace(tzinfo=None) == wall:
        return utc
    # in a gap: fold=0 read it with the offset before the jump (an instant after the
    # jump), fold=1 with the offset after it (an instant before): the jump lies between
    early = int(wall.replace(tzinfo=tz, fold=1).astimezone(timezone.utc).timestamp())
    late = int(utc.timestamp())
    offset_before = datetime.fromtimestamp(early, tz).utcoffset()
    while late - early > 1:  # first second with the new offset
        mid = (early + late) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == offset_before:
            early = mid
        else:
            late = mid
    return datetime.fromtimestamp(late, timezone.utc)


class BusinessCalendar:
    """Open time of a weekly pattern in a timezone, minus holidays."""

    def __init__(self, tz: str, week: dict[int, tuple[Span, ...]], holidays: frozenset[date] = frozenset()):
        self.tz = ZoneInfo(tz)
        self.week = {day: tuple(spans) for day, spans in week.items() if spans}
        if not self.week:
            raise ValueError("a business-hours calendar needs at least one span a week")
        self.holidays = holidays
        self._first_day: date | None = None  # local dates built: [first_day, end_day)
        self._end_day: date | None = None
        self._covered = (0, 0)  # UTC ms where the spans below are complete: [lo, hi)
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._cum_end: list[int] = []  # open ms from the first span up to the end of span i

    # -- queries ---------------------------------------------------------------
    def open_ms(self, start_ms: int, end_ms: int) -> int:
        """B(start, end): open milliseconds in [start, end)."""
        if end_ms <= start_ms:
            return 0
        self._cover(start_ms)
        self._cover(end_ms)
        return self._open_before(end_ms) - self._open_before(start_ms)

    def deadline_ms(self, start_ms: int, sla_ms: int) -> int:
        """The earliest t with B(start, t) = sla: counting starts at the next opening
        when `start` is closed, and a target used up at a span's end ends there."""
        if sla_ms <= 0:
            return start_ms
        self._cover(start_ms)
        while True:
            target = self._open_before(start_ms) + sla_ms
            j = bisect_left(self._cum_end, target)
            if j < len(self._cum_end):
                return self._ends[j] - (self._cum_end[j] - target)
            self._cover(self._covered[1])  # the next local year

    # -- the span table --------------------------------------------------------
    def _open_before(self, t_ms: int) -> int:
        """Open ms from the first built span up to t (t within the covered range)."""
        i = bisect_right(self._starts, t_ms) - 1
        if i < 0:
            return 0
        return self._cum_end[i] - max(0, self._ends[i] - t_ms)

    def _cover(self, t_ms: int) -> None:
        lo, hi = self._covered
        if lo <= t_ms < hi:
            return
        year = datetime.fromtimestamp(t_ms / 1000, self.tz).year
        first, end = date(year, 1, 1), date(year + 1, 1, 1)
        if self._first_day is not None:  # keep the range contiguous
            first, end = min(first, self._first_day), max(end, self._end_day)
        self._build(first, end)

    def _build(self, first: date, end: date) -> None:
        """Spans of the local dates [first, end), and of the day before (its spans may
        run past midnight into `first`): complete over [first 00:00, end 00:00)."""
        spans = []
        day = first - timedelta(days=1)
        while day < end:
            if day not in self.holidays:
                midnight = datetime(day.year, day.month, day.day)
                for start_min, end_min in self.week.get(day.weekday(), ()):
                    s = self._utc_ms(midnight + timedelta(minutes=start_min))
                    e = self._utc_ms(midnight + timedelta(minutes=end_min))
                    if e > s:  # a span inside a spring-forward gap is empty
                        spans.append((s, e))
            day += timedelta(days=1)
        spans.sort()
        starts, ends, cum_end, total = [], [], [], 0
        for s, e in spans:
            if ends and s <= ends[-1]:  # overlapping or touching: one span
                if e > ends[-1]:
                    total += e - ends[-1]
                    ends[-1] = e
                    cum_end[-1] = total
                continue
            total += e - s
            starts.append(s)
            ends.append(e)
            cum_end.append(total)
        self._starts, self._ends, self._cum_end = starts, ends, cum_end
        self._first_day, self._end_day = first, end
        self._covered = (self._utc_ms(datetime(first.year, first.month, first.day)),
                         self._utc_ms(datetime(end.year, end.month, end.day)))

    def _utc_ms(self, wall: datetime) -> int:
        return int(local_to_utc(wall, self.tz).timestamp()) * 1000
