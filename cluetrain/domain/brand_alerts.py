"""Brand-level alerts on final minute windows (pure): reply-rate drop, negativity spike.

- reply_rate_drop: SLA compliance over the last 60 minutes, within / (within + breached),
  falls below `low` with at least `min_volume` judged turns; resolved when it is back at
  `high` or above, or when the volume falls under the minimum (hysteresis: no flapping
  between low and high).
- negativity_spike: the share of negative customer messages in the last hour is at
  least `min_share` and at least `ratio` x the share of the 12 hours before it, with at
  least `min_volume` messages; resolved when it falls under `resolve_ratio` x that
  baseline or under `min_share` x 0.75, or when the volume falls under the minimum.

Both are evaluated at the end of each minute, in event time, from final windows only:
the figures are step functions that change only when a window enters or leaves a range,
so evaluating at those change points equals evaluating every minute — and the result
does not depend on how the watermark moved. alert_id '<brand>:<kind>:<fired_at>'.
"""
from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass, field

from cluetrain.domain.results import Alert

HOUR = 3600
BASELINE = 12 * HOUR
RING_HOURS = 16  # slots of persisted hours of minutes (> the 15 hours a monitor can hold)
RATE_DROP = "reply_rate_drop"
SPIKE = "negativity_spike"


@dataclass(frozen=True)
class BrandAlertRules:
    """The thresholds above; Settings.brand_alert_rules builds them (their defaults are
    the settings' defaults), resolve_ratio is fixed."""
    min_volume: int
    rate_low: float
    rate_high: float
    min_share: float
    ratio: float
    resolve_ratio: float = 1.5


@dataclass
class BrandMonitor:
    brand: str
    # minute start (s) -> [within_sla, breached, customer_messages, negative_customer_messages]
    minutes: dict[int, list[int]] = field(default_factory=dict)
    active: dict[str, dict] = field(default_factory=dict)  # kind -> the open alert
    evaluated_to: int = 0  # change points up to here are done
    # what changed since the last save (not persisted): the head (active), hours of minutes
    head_dirty: bool = field(default=True, compare=False, repr=False)
    dirty_hours: set[int] = field(default_factory=set, compare=False, repr=False)

    def observe(self, minute_s: int, counts: dict) -> None:
        values = [int(counts.get("answered_within_sla", 0)), int(counts.get("breached", 0)),
                  int(counts.get("customer:messages", 0)), int(counts.get("customer:negative", 0))]
        if any(values):
            self.minutes[minute_s] = values
            self.dirty_hours.add(minute_s // HOUR)

    def _index(self) -> None:
        """Sorted minutes and prefix sums: each range total is two bisections."""
        self._keys = sorted(self.minutes)
        prefix = [(0, 0, 0, 0)]
        for minute in self._keys:
            last, values = prefix[-1], self.minutes[minute]
            prefix.append((last[0] + values[0], last[1] + values[1], last[2] + values[2], last[3] + values[3]))
        self._prefix = prefix

    def _sum(self, start: int, end: int) -> list[int]:
        """Totals of the minutes starting in [start, end)."""
        i, j = bisect_left(self._keys, start), bisect_left(self._keys, end)
        a, b = self._prefix[i], self._prefix[j]
        return [b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3]]

    def change_points(self, upto: int) -> list[int]:
        """Ends of minutes (seconds) in (evaluated_to, upto] where a figure can change."""
        points = set()
        for minute in self.minutes:
            for t in (minute + 60, minute + 60 + HOUR, minute + 60 + HOUR + BASELINE):
                if self.evaluated_to < t <= upto:
                    points.add(t)
        return sorted(points)

    def evaluate(self, upto: int, rules: BrandAlertRules, as_of_ms: int) -> list[Alert]:
        """Alerts fired or resolved at the change points up to `upto` (a minute end)."""
        changed = []
        points = self.change_points(upto)
        if points:
            self._index()
            for t in points:
                changed += self._evaluate_at(t, rules)
        self.evaluated_to = max(self.evaluated_to, upto)
        self._forget(upto)
        # the open alerts are kept (and saved) in seconds, the minutes' unit
        return [Alert(a["alert_id"], a["kind"], a["brand"], a["conversation_id"], a["fired_at"] * 1000,
                      None if a["resolved_at"] is None else a["resolved_at"] * 1000, a["severity"], a["details"],
                      as_of_ms) for a in changed]

    def _forget(self, upto: int) -> None:
        """Minutes older than every range still to evaluate play no part: drop them."""
        horizon = upto - HOUR - BASELINE - 60
        if self.minutes and min(self.minutes) < horizon:
            self.minutes = {m: v for m, v in self.minutes.items() if m >= horizon}

    def _evaluate_at(self, t: int, rules: BrandAlertRules) -> list[dict]:
        within, breached, customer, negative = self._sum(t - HOUR, t)
        _, _, base_customer, base_negative = self._sum(t - HOUR - BASELINE, t - HOUR)
        judged = within + breached
        compliance = within / judged if judged else None
        share = negative / customer if customer else 0.0
        baseline = base_negative / base_customer if base_customer else 0.0
        figures = {"window_end": t, "compliance": compliance, "judged_turns": judged,
                   "negative_share": round(share, 4), "baseline_share": round(baseline, 4),
                   "customer_messages": customer}
        out = []
        rate_bad = judged >= rules.min_volume and compliance < rules.rate_low
        rate_ok = judged < rules.min_volume or compliance >= rules.rate_high
        out += self._transition(RATE_DROP, t, rate_bad, rate_ok, figures,
                                "high" if rate_bad and compliance < rules.rate_low / 2 else "medium")
        spike = customer >= rules.min_volume and share >= rules.min_share and share >= rules.ratio * baseline
        calm = (customer < rules.min_volume or share < rules.resolve_ratio * baseline
                or share < rules.min_share * 0.75)
        out += self._transition(SPIKE, t, spike, calm, figures,
                                "high" if spike and share >= 3 * max(baseline, rules.min_share / 2) else "medium")
        return out

    def _transition(self, kind: str, t: int, bad: bool, ok: bool, figures: dict, severity: str) -> list[dict]:
        alert = self.active.get(kind)
        if alert is None and bad:
            self.head_dirty = True
            alert = self.active[kind] = {
                "alert_id": f"{self.brand}:{kind}:{t}", "kind": kind, "brand": self.brand, "conversation_id": "",
                "fired_at": t, "resolved_at": None, "severity": severity,
                "details": json.dumps(figures, sort_keys=True)}
            return [dict(alert)]
        if alert is not None and ok:
            del self.active[kind]
            self.head_dirty = True
            return [dict(alert, resolved_at=t)]
        return []

    # -- persistence: a head record + one record per hour of minutes, saved when changed.
    # Hours live in RING_HOURS slots (hour % RING_HOURS): the minutes kept span at most
    # 15 hours, so a slot is reused only once its old hour is forgotten. evaluated_to is
    # saved with the head only: every monitor is evaluated to the partition's horizon
    # at each advance, so on restore it is max(saved, the meta's horizon).
    def head(self) -> dict:
        """The open alerts, evaluated up to a horizon: saved in the meta record with it."""
        return {"monitor": self.brand, "active": dict(self.active), "evaluated_to": self.evaluated_to}

    def dirty_records(self) -> list[tuple[str, dict]]:
        """[(key part, record)] of what changed since the last call: the head ("" key
        part) and hour records ("<slot>"); see partition.PartitionState.take_dirty."""
        out = []
        if self.head_dirty:
            out.append(("", self.head()))
        for hour in sorted(self.dirty_hours):
            start = hour * HOUR
            rows = [[m, *v] for m, v in sorted(self.minutes.items()) if start <= m < start + HOUR]
            out.append((str(hour % RING_HOURS), {"monitor": self.brand, "hour": hour, "minutes": rows}))
        self.head_dirty = False
        self.dirty_hours.clear()
        return out

    def load_record(self, d: dict) -> None:
        """Restore one record of `dirty_records` (any order); then call `loaded`."""
        if "hour" in d:
            for row in d["minutes"]:
                self.minutes[row[0]] = list(row[1:])
        else:
            self.active = dict(d["active"])
            self.evaluated_to = max(self.evaluated_to, int(d["evaluated_to"]))
        self.head_dirty = False

    def loaded(self, horizon_s: int) -> None:
        self.evaluated_to = max(self.evaluated_to, horizon_s)
        self._forget(self.evaluated_to)  # stale hours of reused slots included
        self.minutes = dict(sorted(self.minutes.items()))

    @classmethod
    def from_dict(cls, brand: str, d: dict) -> "BrandMonitor":
        """The monitor of an older meta record (monitors were inside the meta)."""
        return cls(brand, {row[0]: list(row[1:]) for row in d["minutes"]}, dict(d["active"]),
                   int(d["evaluated_to"]), head_dirty=True, dirty_hours={m // HOUR for m, *_ in d["minutes"]})
