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

HOUR = 3600
BASELINE = 12 * HOUR
RATE_DROP = "reply_rate_drop"
SPIKE = "negativity_spike"


@dataclass(frozen=True)
class BrandAlertRules:
    min_volume: int = 10
    rate_low: float = 0.5
    rate_high: float = 0.7
    min_share: float = 0.2
    ratio: float = 2.0
    resolve_ratio: float = 1.5


@dataclass
class BrandMonitor:
    brand: str
    # minute start (s) -> [within_sla, breached, customer_messages, negative_customer_messages]
    minutes: dict[int, list[int]] = field(default_factory=dict)
    active: dict[str, dict] = field(default_factory=dict)  # kind -> the open alert
    evaluated_to: int = 0  # change points up to here are done

    def observe(self, minute_s: int, counts: dict) -> None:
        values = [int(counts.get("answered_within_sla", 0)), int(counts.get("breached", 0)),
                  int(counts.get("customer:messages", 0)), int(counts.get("customer:negative", 0))]
        if any(values):
            self.minutes[minute_s] = values

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

    def evaluate(self, upto: int, rules: BrandAlertRules) -> list[dict]:
        """Alerts fired or resolved at the change points up to `upto` (a minute end)."""
        changed = []
        points = self.change_points(upto)
        if points:
            self._index()
            for t in points:
                changed += self._evaluate_at(t, rules)
        self.evaluated_to = max(self.evaluated_to, upto)
        horizon = upto - HOUR - BASELINE - 60  # minutes older than every range: forget them
        if self.minutes and min(self.minutes) < horizon:
            self.minutes = {m: v for m, v in self.minutes.items() if m >= horizon}
        return changed

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
            alert = self.active[kind] = {
                "alert_id": f"{self.brand}:{kind}:{t}", "kind": kind, "brand": self.brand, "conversation_id": "",
                "fired_at": t, "resolved_at": None, "severity": severity,
                "details": json.dumps(figures, sort_keys=True)}
            return [dict(alert)]
        if alert is not None and ok:
            del self.active[kind]
            return [dict(alert, resolved_at=t)]
        return []

    def to_dict(self) -> dict:
        return {"minutes": [[m, *v] for m, v in sorted(self.minutes.items())], "active": self.active,
                "evaluated_to": self.evaluated_to}

    @classmethod
    def from_dict(cls, brand: str, d: dict) -> "BrandMonitor":
        return cls(brand, {row[0]: list(row[1:]) for row in d["minutes"]}, dict(d["active"]),
                   int(d["evaluated_to"]))
