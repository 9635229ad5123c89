"""The reference's SLA policies: DESIGN.md § SLA policies (extension), from the raw TOML
and the definitions, sharing no code with cluetrain/domain/calendar.py or policy.py.

Where the pipeline keeps merged UTC spans with cumulative sums and binary-searches
them, this recomputes from scratch: B(a, b) is the length of the union of every span
that starts on a local date around [a, b), clipped to it (a sweep over the end
points); the deadline is found by bisecting t on B(start, t) >= SLA, straight from
"the earliest t with B(start, t) = SLA". A local time is resolved by trying every UTC
offset the zone has around it: the earliest match wins (a time that occurs twice is
its first occurrence); none (a spring-forward gap) gives the first instant whose local
time is later.
"""
from __future__ import annotations

import functools
import tomllib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TEXT_KEPT = 280  # the fold keeps the first 280 characters of a customer message


def read_policy_file(path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def _wall(epoch_s: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz).replace(tzinfo=None)


@functools.lru_cache(maxsize=None)
def wall_to_epoch_s(wall: datetime, zone: str) -> int:
    tz = ZoneInfo(zone)
    as_if_utc = int((wall - datetime(1970, 1, 1)).total_seconds())
    offsets = {int(datetime.fromtimestamp(as_if_utc + h * 3600, tz).utcoffset().total_seconds())
               for h in range(-30, 31)}
    matches = [as_if_utc - off for off in offsets if _wall(as_if_utc - off, tz) == wall]
    if matches:
        return min(matches)
    u = as_if_utc - max(offsets)  # before the jump; walk to the first instant past `wall`
    while _wall(u, tz) < wall:
        u += 60
    while _wall(u - 1, tz) > wall:
        u -= 1
    return u


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


class ReferencePolicy:
    def __init__(self, doc: dict, brand: str, fallback_s: int):
        table = doc.get("brands", {}).get(brand, doc.get("default", {}))
        self.zone = table.get("timezone", "UTC")
        self.tz = ZoneInfo(self.zone)
        self.first_s = table.get("first_reply_sla_s", fallback_s)
        self.next_s = table.get("next_reply_sla_s", fallback_s)
        self.hours = table.get("hours")  # None: 24/7
        self.holidays = {d if isinstance(d, date) else date.fromisoformat(d) for d in table.get("holidays", [])}
        self.rules = table.get("priority", [])
        self.escalations = table.get("escalations")  # None: the warning setting's one level
        self.team_of = {member: team for team, members in table.get("teams", {}).items() for member in members}
        self._day_cache: dict[date, list[tuple[int, int]]] = {}

    # -- priority ------------------------------------------------------------------
    def priority(self, turn_index: int, followers, text: str, score: float) -> tuple[str, int]:
        """(priority, SLA seconds) of a turn opened by this message."""
        for rule in self.rules:
            if "min_followers" in rule and (followers is None or followers < rule["min_followers"]):
                continue
            if "max_sentiment" in rule and not score <= rule["max_sentiment"]:
                continue
            if "keywords" in rule and not any(_has_word(text[:TEXT_KEPT], k) for k in rule["keywords"]):
                continue
            first, nxt = rule.get("first_reply_sla_s", self.first_s), rule.get("next_reply_sla_s", self.next_s)
            return rule["name"], first if turn_index == 0 else nxt
        return "normal", self.first_s if turn_index == 0 else self.next_s

    # -- escalation levels ---------------------------------------------------------
    def alert_levels(self, warn_fraction: float) -> list[tuple[str, float, str, str | None]]:
        """(kind, fraction, alert_id suffix, least severity) of the turn alerts: the
        breach at 1, and the file's levels (else sla_warning at warn_fraction)."""
        levels = [("ignored_conversation", 1.0, "", None)]
        declared = self.escalations
        if declared is None:
            declared = [{"kind": "sla_warning", "at": warn_fraction}] if 0 < warn_fraction < 1 else []
        for level in declared:
            kind = level["kind"]
            levels.append((kind, level["at"], ":" + kind[len("sla_"):], level.get("severity")))
        return levels

    # -- open time -----------------------------------------------------------------
    def spans_of(self, day: date) -> list[tuple[int, int]]:
        """UTC ms spans that start on this local date."""
        if day not in self._day_cache:
            spans = []
            if day not in self.holidays:
                for text in self.hours.get(DAYS[day.weekday()], []):
                    start_text, end_text = text.split("-")
                    start, end = _minutes(start_text), _minutes(end_text)
                    if end <= start:
                        end += 24 * 60
                    midnight = datetime(day.year, day.month, day.day)
                    s = wall_to_epoch_s(midnight + timedelta(minutes=start), self.zone) * 1000
                    e = wall_to_epoch_s(midnight + timedelta(minutes=end), self.zone) * 1000
                    spans.append((s, e))
            self._day_cache[day] = spans
        return self._day_cache[day]

    def business_ms(self, a: int, b: int) -> int:
        """B(a, b)."""
        if b <= a:
            return 0
        if self.hours is None:
            return b - a
        day = datetime.fromtimestamp(a / 1000, self.tz).date() - timedelta(days=2)
        last = datetime.fromtimestamp(b / 1000, self.tz).date() + timedelta(days=1)
        points = []
        while day <= last:
            for s, e in self.spans_of(day):
                s, e = max(s, a), min(e, b)
                if s < e:
                    points += [(s, 1), (e, -1)]
            day += timedelta(days=1)
        total, depth, since = 0, 0, None
        for t, step in sorted(points, key=lambda p: (p[0], -p[1])):
            if depth == 0 and step == 1:
                since = t
            depth += step
            if depth == 0:
                total += t - since
        return total

    def deadline(self, start: int, sla_ms: int) -> int:
        if sla_ms <= 0:
            return start
        hi = start + sla_ms
        while self.business_ms(start, hi) < sla_ms:
            hi = start + 2 * (hi - start)
        lo = start  # B(start, lo) < sla <= B(start, hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.business_ms(start, mid) >= sla_ms:
                hi = mid
            else:
                lo = mid
        return hi


def _has_word(text: str, keyword: str) -> bool:
    t, k = text.casefold(), keyword.casefold()
    i = t.find(k)
    while i >= 0:
        before = t[i - 1] if i > 0 else " "
        after = t[i + len(k)] if i + len(k) < len(t) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        i = t.find(k, i + 1)
    return False
