"""One-minute windows in event time: every count lands in the minute it happens.

DESIGN.md § Metric definitions (per brand, event time).

A *contribution* is one increment of one counter of one window: (minute_s, counter,
amount). Conversations keep the contributions they made to windows that are not final
yet, so that after a crash the open windows are rebuilt exactly from the recovered
conversations (see partition.py).
"""
from __future__ import annotations

from dataclasses import dataclass

RECIPROCITY_COUNTERS = (
    "customer_messages", "turns_opened", "brand_replies", "employee_replies", "peer_replies",
    "answered", "answered_within_sla", "answered_late", "breached", "latency_sum_s", "late_events",
)
# sentiment counters per side: "<side>:<counter>"
SENTIMENT_COUNTERS = ("messages", "score_sum", "positive", "neutral", "negative")
SIDES = ("customer", "brand")

Contribution = tuple[int, str, float]  # (minute start in epoch seconds, counter, amount)


def minute_of(ms: int) -> int:
    """Start of the UTC minute holding `ms`, in epoch seconds."""
    return (ms // 60_000) * 60


@dataclass(slots=True)
class Window:
    """Running totals of one brand and minute."""
    brand: str
    minute_s: int
    counts: dict[str, float]

    @classmethod
    def empty(cls, brand: str, minute_s: int) -> "Window":
        return cls(brand, minute_s, {})

    def add(self, counter: str, amount: float) -> None:
        self.counts[counter] = self.counts.get(counter, 0) + amount


class WindowBook:
    """Open windows of one partition, keyed by (brand, minute)."""

    def __init__(self) -> None:
        self.windows: dict[tuple[str, int], Window] = {}
        self.dirty: set[tuple[str, int]] = set()

    def add(self, brand: str, contributions: list[Contribution]) -> None:
        for minute_s, counter, amount in contributions:
            key = (brand, minute_s)
            window = self.windows.get(key)
            if window is None:
                window = self.windows[key] = Window.empty(brand, minute_s)
            window.add(counter, amount)
            self.dirty.add(key)

    def pop_final(self, horizon_s: int) -> list[Window]:
        """Remove and return the windows that end at or before `horizon_s` (final)."""
        keys = [k for k in self.windows if k[1] + 60 <= horizon_s]
        self.dirty.difference_update(keys)
        return [self.windows.pop(k) for k in sorted(keys)]

    def pop_dirty(self) -> list[Window]:
        """Open windows changed since the last call (provisional rows for live readers)."""
        out = [self.windows[k] for k in sorted(self.dirty) if k in self.windows]
        self.dirty.clear()
        return out
