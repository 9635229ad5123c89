"""Alert routes and digests for people (pure: no Kafka, no HTTP). DESIGN.md § Alert
routes and digests.

A route (the printed lines, the webhook) lets an alert through when its severity is at
least the route's minimum, or when its turn's priority is one the route names; a
resolution goes where its alert went (same severity and priority).

A digest route sums up, per brand, every N minutes of EVENT time: an alert record
belongs to the window of its event time (fired_at, or resolved_at for a resolution).
A window is complete once an alert record at least `grace_ms` past its end has been
seen (alerts come from several partitions, each behind its own watermark), or when
the input ends (`flush`). A record whose window was already sent goes into the
brand's next window (still counted, never lost). So the same records in the same
order give the same digests, whatever the wall clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cluetrain.alerts.render import AlertView, conversation_url, ident, one_line, utc
from cluetrain.domain.alert_rules import IGNORED, SEVERITIES

TOP = 5  # alerts listed per digest


@dataclass(frozen=True)
class Route:
    min_severity: str = "low"
    priorities: frozenset[str] = frozenset()

    def passes(self, a: AlertView) -> bool:
        if a.severity in SEVERITIES and SEVERITIES.index(a.severity) >= SEVERITIES.index(self.min_severity):
            return True
        return a.details.get("priority", "normal") in self.priorities


@dataclass
class Digest:
    """One brand's alerts over [start_ms, end_ms) of event time."""
    brand: str
    start_ms: int
    end_ms: int
    breached: int = 0  # turns breached (ignored_conversation fired)
    fired: dict[str, int] = field(default_factory=dict)  # kind -> alerts fired
    resolved: int = 0
    top: list[AlertView] = field(default_factory=list)  # fired alerts, worst first, at most TOP
    sources: list = field(default_factory=list)  # the callers' tokens of the records in it

    @property
    def key(self) -> str:
        """Idempotency key of its notification: the same digest after a restart."""
        return f"digest:{self.brand}:{self.start_ms // 1000}"

    def add(self, a: AlertView) -> None:
        if a.resolved_at is not None:
            self.resolved += 1
            return
        self.fired[a.kind] = self.fired.get(a.kind, 0) + 1
        if a.kind == IGNORED:
            self.breached += 1
        self.top.append(a)
        self.top.sort(key=rank)
        del self.top[TOP:]


def rank(a: AlertView) -> tuple:
    """Worst first: severity, then earliest, then id (a total order: deterministic)."""
    severity = SEVERITIES.index(a.severity) if a.severity in SEVERITIES else -1
    return (-severity, a.fired_at, a.alert_id)


def event_ms(a: AlertView) -> int:
    return a.resolved_at if a.resolved_at is not None else a.fired_at


class Digester:
    """Collects routed alert records into per-brand windows; add() returns the digests
    that are complete."""

    def __init__(self, minutes: int, grace_ms: int):
        if minutes <= 0:
            raise ValueError("a digest needs a period of at least one minute")
        self.period_ms = minutes * 60_000
        self.grace_ms = grace_ms
        self.open: dict[tuple[str, int], Digest] = {}
        self.sent_to: dict[str, int] = {}  # brand -> end of its last window sent
        self.clock_ms = 0  # latest event time seen

    def add(self, a: AlertView, source=None) -> list[Digest]:
        t = event_ms(a)
        start = max(t // self.period_ms * self.period_ms, self.sent_to.get(a.brand, 0))
        digest = self.open.get((a.brand, start))
        if digest is None:
            digest = self.open[(a.brand, start)] = Digest(a.brand, start, start + self.period_ms)
        digest.add(a)
        digest.sources.append(source)
        self.clock_ms = max(self.clock_ms, t)
        return self._take(lambda d: d.end_ms + self.grace_ms <= self.clock_ms)

    def flush(self) -> list[Digest]:
        """Every open window (the input ended)."""
        return self._take(lambda d: True)

    def _take(self, done) -> list[Digest]:
        ready = sorted((d for d in self.open.values() if done(d)), key=lambda d: (d.start_ms, d.brand))
        for d in ready:
            del self.open[(d.brand, d.start_ms)]
            self.sent_to[d.brand] = max(self.sent_to.get(d.brand, 0), d.end_ms)
        return ready


def digest_lines(d: Digest, url_template: str = "") -> list[str]:
    """The printed digest: a head line, then its top alerts, one line each:
    2017-10-31T22:00:00Z/2017-10-31T22:15:00Z  digest  sprintcare  3 turns breached  5 alerts (...)  2 resolved
      1. high  ignored_conversation  fired 2017-10-31T22:10:47Z  conv 8:0  https://...
    """
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(d.fired.items()))
    total = sum(d.fired.values())
    head = (f"{utc(d.start_ms)}/{utc(d.end_ms)}  digest  {d.brand}  {d.breached} turns breached  "
            f"{total} alerts" + (f" ({kinds})" if kinds else "") + f"  {d.resolved} resolved")
    lines = [one_line(head)]
    for i, a in enumerate(d.top, 1):
        url = conversation_url(a, url_template)
        lines.append(one_line(f"  {i}. {a.severity}  {a.kind}  fired {utc(a.fired_at)}  {ident(a)}"
                              + (f"  {url}" if url else "")))
    return lines
