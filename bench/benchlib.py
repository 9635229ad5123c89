"""Pure helpers of the measurement harness (bench/run.py): count keys, rates, tables,
visibility latencies, a part's result; py-spy stacks are bench/stacks.py. Unit-tested
in tests/bench/test_benchlib.py. No Kafka, no ClickHouse, no processes here."""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

MINUTE_MS = 60_000


def minute_key(brand: str, created_at_ms: int) -> str:
    """The key every peer counts under: brand and event-time minute (UTC, floored)."""
    return f"{brand}|{created_at_ms // MINUTE_MS}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def rate(count: int, seconds: float | None) -> float | None:
    if not seconds or seconds <= 0:
        return None
    return count / seconds


def compare_counts(reference: dict[str, int], other: dict[str, int]) -> str:
    """'same' or a short description of how two {key: count} maps differ."""
    if reference == other:
        return "same"
    missing = len(set(reference) - set(other))
    extra = len(set(other) - set(reference))
    differ = sum(1 for k in set(reference) & set(other) if reference[k] != other[k])
    return (f"DIFFERENT: total {sum(other.values())} vs {sum(reference.values())}, "
            f"{missing} keys missing, {extra} extra, {differ} differ")


def format_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (also readable as plain text), columns padded."""
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def fmt_ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "n/a"
    return f"{value / reference:.3f}"


# ------------------------------------------------------------------ latency


def visibility_latencies(
    polls: Sequence[tuple[float, dict[tuple[str, int], int]]],
    sent: Iterable[tuple[str, int, int, float]],
) -> tuple[list[float], list[float]]:
    """Event-to-queryable latencies.

    polls: (time the poll started, {(table, partition): max source offset visible}),
    in time order. sent: (table, partition, offset, time sent). Rows of one
    (table, partition) become visible in offset order (one writer, offset-ordered
    batches), so an event is visible from the first poll whose max offset reaches it.
    Returns (latencies in seconds of the events seen, send times of those never seen).
    """
    series: dict[tuple[str, int], tuple[list[int], list[float]]] = {}
    for t, maxima in polls:
        for tp, offset in maxima.items():
            offsets, times = series.setdefault(tp, ([], []))
            if offsets and offset <= offsets[-1]:
                continue  # only the polls where the maximum grew matter
            offsets.append(offset)
            times.append(t)
    latencies: list[float] = []
    unseen: list[float] = []
    for table, partition, offset, t_sent in sent:
        s = series.get((table, partition))
        if s is None:
            unseen.append(t_sent)
            continue
        i = bisect.bisect_left(s[0], offset)
        if i == len(s[0]):
            unseen.append(t_sent)
            continue
        latencies.append(max(0.0, s[1][i] - t_sent))
    return latencies, unseen


def quarter_rates(trace: list[tuple[float, int]], total: int, events: int) -> list[float | None]:
    """Events/s within each quarter of the records, from (time, records done) samples."""
    if len(trace) < 2:
        return []
    out = []
    prev_t, prev_n = trace[0]
    for q in (0.25, 0.5, 0.75, 1.0):
        target = total * q
        point = next(((t, n) for t, n in trace if n >= target), trace[-1])
        if point[1] > prev_n and point[0] > prev_t:
            out.append((point[1] - prev_n) * events / total / (point[0] - prev_t))
        else:
            out.append(None)
        prev_t, prev_n = point
    return out


@dataclass
class PartResult:
    """One row of the results table."""
    key: str
    name: str
    events: int
    seconds: float | None = None           # the headline timing of this part
    seconds_steady: float | None = None    # excluding start-up / group join (if relevant)
    events_steady: int | None = None       # events processed within seconds_steady
    check: str = ""
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def eps(self) -> float | None:
        return rate(self.events, self.seconds)

    @property
    def eps_steady(self) -> float | None:
        return rate(self.events_steady if self.events_steady is not None else self.events, self.seconds_steady)
