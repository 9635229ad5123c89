"""The state of one input partition: source clocks, watermark, conversations, windows.

Watermark: each input topic's partition has a source clock (max cluetrain-clock seen);
the partition's watermark is min over topics of (clock - allowed lateness), or the clock
itself once the topic's final tick arrived. An event is *late* when it is older than
its own record's clock minus the lateness: a property of the record, so it does not
depend on partitioning or arrival interleaving. Late events are counted in
late_events (in the window holding clock - lateness, which is never final yet) and
take no part in turns, so they never change an emitted breach.

Crash safety: outputs are written before state; state is one record per changed
conversation, then one meta record (clocks, horizon, next input offsets) written LAST,
so a recovered meta implies every record before it was saved, and its clocks match its
offsets: re-delivered records resume exactly where that watermark was computed.
Conversations are pruned only below the horizon of the meta saved *before* them, so
the windows that are not final under any recoverable meta can be rebuilt from the
contributions the recovered conversations hold (see `restore`). Records below the
recovered offsets are skipped; events of a conversation that missed its last save are
applied again (its seen ledger dedups the rest: every event_id, kept for good, so
that "a duplicate event_id is processed once" holds at any lateness; see
DESIGN.md § Crash safety).

Memory: a worker holds millions of conversations, so each is compact (turns.py,
ledger.py), and contributions leave memory as soon as a saved meta's horizon passes
them, changed conversation or not. Brand monitors are saved as their own records, and
only the parts that changed (state_codec.py lists every record shape).
"""
from __future__ import annotations

import heapq
import sys
from typing import Callable
from dataclasses import dataclass, field

from cluetrain.domain import alert_rules
from cluetrain.domain.brand_alerts import BrandAlertRules, BrandMonitor
from cluetrain.domain.policy import Policy
from cluetrain.domain.results import Alert, TurnSnapshot, WindowSnapshot
from cluetrain.domain.retention import Retention, latest_archived
from cluetrain.domain.state_codec import conversation_from_dict, conversation_to_dict, monitor_key
from cluetrain.domain.turns import Conversation, Post, release
from cluetrain.domain.windows import Window, WindowBook, minute_of


@dataclass
class Advance:
    """What one advance of the watermark produced: snapshots as of `as_of_ms` (the
    watermark, 0 before there is one), final windows before the open ones."""
    as_of_ms: int
    turns: list[TurnSnapshot] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    windows: list[WindowSnapshot] = field(default_factory=list)

    def add_windows(self, windows: list[Window], *, final: bool) -> None:
        self.windows += [WindowSnapshot(w.brand, w.minute_s * 1000, dict(w.counts), final, self.as_of_ms)
                         for w in windows]


class PartitionState:
    def __init__(self, topics: tuple[str, ...], *, lateness_ms: int, policy_for: Callable[[str], Policy],
                 warn_fraction: float = 0.0,
                 brand_rules: Callable[[str], BrandAlertRules] | None = None,
                 retention_ms: int = 0, archive=None):
        """retention_ms > 0 (with an archive, state/archive.py): idle conversations
        leave memory (domain/retention.py); 0 keeps every conversation."""
        self.topics = topics
        self.warn_fraction = warn_fraction
        self.brand_rules = brand_rules
        self.monitors: dict[str, BrandMonitor] = {}
        self.lateness_ms = lateness_ms
        self.policy_for = policy_for  # brand -> its SLA policy (domain/policy.py)
        self.clocks: dict[str, int] = {}
        self.finals: set[str] = set()
        self.horizon_s = 0  # windows ending at or before this are final and emitted
        # brand -> conversation_id -> Conversation (no (brand, id) tuple kept per conversation)
        self.conversations: dict[str, dict[str, Conversation]] = {}
        self.windows = WindowBook()
        self.dirty: set[tuple[str, str]] = set()  # conversations to persist
        self._due: list[tuple[int, tuple[str, str]]] = []  # heap of (ms, conversation key) to revisit
        self.meta_dirty = False
        self.next_offsets: dict[str, int] = {}  # input topic -> next offset to process
        self.saved_horizon_s = 0  # horizon of the last meta handed out for saving
        # heap of (latest contribution minute, conversation key): contributions leave memory
        # once the saved horizon passes them, whether or not the conversation changes again
        self._contributed: list[tuple[int, tuple[str, str]]] = []
        self.retention = Retention(retention_ms, archive) if retention_ms > 0 else None

    def levels(self, brand: str) -> tuple:
        """The brand's escalation levels (domain/policy.py): its turns' timers."""
        return self.policy_for(brand).levels(self.warn_fraction)

    def conversation(self, key: tuple[str, str]) -> Conversation | None:
        by_id = self.conversations.get(key[0])
        return None if by_id is None else by_id.get(key[1])

    # -- clock -------------------------------------------------------------
    def observe_clock(self, topic: str, clock_ms: int | None, *, final: bool = False) -> None:
        """The clock of a *valid* record of `topic` (processing/decode.py rejects the
        rest first): a rejected record must never move a watermark."""
        if clock_ms is not None and clock_ms > self.clocks.get(topic, -1):
            self.clocks[topic] = clock_ms
            self.meta_dirty = True
        if final and topic not in self.finals:
            self.finals.add(topic)
            self.meta_dirty = True

    def stream_clock_ms(self) -> int | None:
        """The partition's latest clock over its topics: what a record without a clock
        header is judged against (too far in the future or the past, late)."""
        return max(self.clocks.values(), default=None)

    @property
    def final(self) -> bool:
        return all(t in self.finals for t in self.topics)

    def watermark_ms(self) -> int | None:
        if any(t not in self.clocks for t in self.topics):
            return None
        return min(self.clocks[t] if t in self.finals else self.clocks[t] - self.lateness_ms
                   for t in self.topics)

    def is_late(self, created_at_ms: int, record_clock_ms: int | None) -> bool:
        return record_clock_ms is not None and created_at_ms < record_clock_ms - self.lateness_ms

    # -- events ------------------------------------------------------------
    def add_event(self, event, sentiment: float, record_clock_ms: int | None) -> bool:
        """Buffer an event (or count it late). False if its event_id was already processed."""
        key = (event.brand, event.conversation_id)
        conv = self.conversation(key)
        if conv is None:
            conv, key = self._enter(event.brand, event.conversation_id)
        if conv.has_seen(event.event_id):
            return False
        conv.mark_seen(event.event_id)
        if event.created_at_ms > conv.last_ms:
            conv.last_ms = event.created_at_ms
        self.dirty.add(key)
        if self.is_late(event.created_at_ms, record_clock_ms):
            contribution = (minute_of(record_clock_ms - self.lateness_ms), "late_events", 1)
            self._contribute(conv, key, [contribution])
            self.windows.add(conv.brand, [contribution])
            return True
        post = Post(event.created_at_ms, event.event_id, event.kind, event.author_id, event.author_role,
                    event.in_reply_to, sentiment, event.author_followers,
                    event.text[:alert_rules.MAX_TEXT] if event.is_customer_message else "")
        if conv.pending is None:
            conv.pending = [post]
        else:
            conv.pending.append(post)
        heapq.heappush(self._due, (event.created_at_ms, key))
        return True

    def _enter(self, brand: str, conversation_id: str) -> tuple[Conversation, tuple[str, str]]:
        """A conversation that is not in memory: back from the archive, or new."""
        brand = sys.intern(brand)  # one string per brand, not one per conversation
        key = (brand, conversation_id)
        conv = self.retention.revive(brand, conversation_id) if self.retention else None
        if conv is None:
            conv = Conversation(conversation_id, brand)
        self.conversations.setdefault(brand, {})[conversation_id] = conv
        if self.retention:
            self.retention.watch(key, conv)
        return conv, key

    def _forget(self, key: tuple[str, str]) -> None:
        by_id = self.conversations[key[0]]
        del by_id[key[1]]
        if not by_id:
            del self.conversations[key[0]]
        self.dirty.discard(key)

    def _contribute(self, conv: Conversation, key: tuple[str, str], contributions: list) -> None:
        if conv.contributions is None:
            conv.contributions = list(contributions)
        else:
            conv.contributions.extend(contributions)
        heapq.heappush(self._contributed, (max(c[0] for c in contributions), key))

    # -- watermark ---------------------------------------------------------
    def advance(self) -> Advance:
        wm = self.watermark_ms()
        out = Advance(max(0, wm or 0))
        if wm is None:
            out.add_windows(self.windows.pop_dirty(), final=False)
            return out
        final = self.final
        touched: set[str] = set()
        while self._due and (self._due[0][0] < wm or (final and self._due[0][0] == wm)):
            touched.add(heapq.heappop(self._due)[1])
        for key in sorted(touched):
            conv = self.conversation(key)
            if conv is None:
                continue
            fold = release(conv, wm, final=final, policy=self.policy_for(conv.brand),
                           warn_fraction=self.warn_fraction)
            # After a crash, re-delivered events can re-contribute to windows already
            # emitted as final (with those contributions): never reopen them.
            fresh = [c for c in fold.added if c[0] >= self.horizon_s]
            if fresh:
                self.windows.add(conv.brand, fresh)
            if fold.added:
                heapq.heappush(self._contributed, (max(c[0] for c in fold.added), key))
            out.turns.extend(t.snapshot(conv.brand, conv.conversation_id, out.as_of_ms) for t in fold.changed_turns)
            out.alerts.extend(fold.alerts(out.as_of_ms))
            self.dirty.add(key)
            timer = conv.timer_ms(self.levels(conv.brand))
            if timer is not None:
                heapq.heappush(self._due, (timer, key))
            nxt = conv.pending_min_ms()
            if nxt is not None:
                heapq.heappush(self._due, (nxt, key))
        if self.retention:
            self.retention.evict(self.conversation, self._forget, wm)
        horizon = minute_of(wm)
        if horizon > self.horizon_s:
            self.horizon_s = horizon
            self.meta_dirty = True
            final_windows = self.windows.pop_final(horizon)
            out.add_windows(final_windows, final=True)
            out.alerts.extend(self._brand_alerts(final_windows, horizon, out.as_of_ms))
        out.add_windows(self.windows.pop_dirty(), final=False)
        return out

    def _brand_alerts(self, final_windows: list[Window], horizon: int, as_of_ms: int) -> list[Alert]:
        if self.brand_rules is None:
            return []
        for window in final_windows:
            monitor = self.monitors.get(window.brand)
            if monitor is None:
                monitor = self.monitors[window.brand] = BrandMonitor(window.brand)
            monitor.observe(window.minute_s, window.counts)
        alerts = []
        for brand in sorted(self.monitors):
            alerts += self.monitors[brand].evaluate(horizon, self.brand_rules(brand), as_of_ms)
        return alerts

    # -- persistence -------------------------------------------------------
    def mark_processed(self, topic: str, offset: int) -> None:
        self.next_offsets[topic] = offset + 1
        self.meta_dirty = True

    def take_dirty(self) -> tuple[dict[tuple[str, str], dict], dict | None]:
        """Changed records, then the meta record (if changed): save them in this order.

        Records (see state_codec.py): changed conversations under (brand,
        conversation_id), then changed hours of brand monitors under ("", "monitor/<slot>
        <brand>"); the monitors' heads (open alerts) are in the meta, which is saved
        with the horizon they were evaluated to. Pruning uses the horizon already
        saved, never the one about to be."""
        records = self.retention.take_records(self.conversation) if self.retention else {}
        for key in sorted(self.dirty):
            conv = self.conversation(key)
            if conv is None:
                continue
            if conv.contributions:
                conv.contributions = [c for c in conv.contributions if c[0] >= self.saved_horizon_s] or None
            records[key] = conversation_to_dict(conv)
        self.dirty.clear()
        for brand in sorted(self.monitors):
            for part, record in self.monitors[brand].dirty_records():
                if part == "":  # a head (open alerts) must match the horizon: it goes in the meta
                    self.meta_dirty = True
                else:
                    records[monitor_key(brand, part)] = record
        meta = None
        if self.meta_dirty:
            meta = {"clocks": dict(self.clocks), "finals": sorted(self.finals), "horizon_s": self.horizon_s,
                    "offsets": dict(self.next_offsets),
                    "heads": {b: m.head() for b, m in sorted(self.monitors.items())}}
            self.meta_dirty = False
            self.saved_horizon_s = self.horizon_s
            self._forget_contributions()
        return records, meta

    def _forget_contributions(self) -> None:
        """Records saved from now on follow this meta: contributions to windows final
        under it are never needed again, in memory either."""
        heap, horizon = self._contributed, self.saved_horizon_s
        while heap and heap[0][0] < horizon:
            conv = self.conversation(heapq.heappop(heap)[1])
            if conv is not None and conv.contributions:
                conv.contributions = [c for c in conv.contributions if c[0] >= horizon] or None

    def restore(self, meta: dict | None, records) -> None:
        """Rebuild from persisted records (any order; the latest per key): open windows
        come from the contributions."""
        monitor_records, segments = [], []
        if meta:
            self.clocks = {k: int(v) for k, v in meta["clocks"].items()}
            self.finals = set(meta["finals"])
            self.horizon_s = self.saved_horizon_s = int(meta["horizon_s"])
            self.next_offsets = {k: int(v) for k, v in meta.get("offsets", {}).items()}
            # previous shape: every monitor inside the meta
            self.monitors = {b: BrandMonitor.from_dict(b, d) for b, d in meta.get("monitors", {}).items()}
        for data in records:
            if "monitor" in data:
                monitor_records.append(data)
                continue
            if "archive" in data:
                segments.append(data)
                continue
            conv = conversation_from_dict(data)
            key = (conv.brand, conv.conversation_id)
            self.conversations.setdefault(conv.brand, {})[conv.conversation_id] = conv
            if self.retention:
                self.retention.watch(key, conv)
            if conv.contributions:
                conv.contributions = [c for c in conv.contributions if c[0] >= self.horizon_s] or None
            if conv.contributions:
                self.windows.add(conv.brand, conv.contributions)
                heapq.heappush(self._contributed, (max(c[0] for c in conv.contributions), key))
            for ms in (conv.timer_ms(self.levels(conv.brand)), conv.pending_min_ms()):
                if ms is not None:
                    heapq.heappush(self._due, (ms, key))
        self._restore_archive(segments)
        heads = (meta or {}).get("heads")
        if heads is not None:
            # a head record of an older version can be newer than this meta (a cut
            # save): its open alerts would not match the horizon, the meta's do
            monitor_records = [d for d in monitor_records if "hour" in d] + list(heads.values())
        for data in monitor_records:
            brand = sys.intern(data["monitor"])
            monitor = self.monitors.get(brand)
            if monitor is None:
                monitor = self.monitors[brand] = BrandMonitor(brand)
            monitor.load_record(data)
        for monitor in self.monitors.values():
            monitor.loaded(self.horizon_s)
        self.windows.dirty.clear()

    def _restore_archive(self, segments: list[dict]) -> None:
        live = [(b, i) for b, by_id in self.conversations.items() for i in by_id]
        if self.retention:
            self.retention.restore(segments, live)
            return
        # retention turned off since: every conversation lives in memory again
        for key, data in latest_archived(segments, exclude=set(live)).items():
            self.conversations.setdefault(sys.intern(key[0]), {})[key[1]] = conversation_from_dict(data)

    def close(self) -> None:
        """Release the archive (on revocation: the state moves to another worker)."""
        if self.retention:
            self.retention.archive.close()
