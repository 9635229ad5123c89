"""The cluetrain job written the Quix way, for part (g): one input partition's work
on a Quix State store, record by record, with cluetrain's own domain functions.

What is cluetrain's (pure, reused as is): the text analytics (language, sentiment,
template keys), the turn fold (domain/turns.release), the one-minute windows
(domain/windows.WindowBook), the per-turn and brand alerts (turns + brand_alerts),
the watermark and lateness rules (PartitionState's clocks), the state records
(domain/state_codec) and the ClickHouse rows (sinks/tables.rows_of).

What is Quix's: the consumer, one callback per record, the state store (RocksDB,
keyed by the message key = brand, then conversation id; Quix's own JSON
serialisation, its transaction cache, its changelog topic) and the checkpoint that
flushes sinks, then the changelog, then commits offsets.

Left out (the peer is a bench, not a second worker): recovery of the in-memory parts
(due heap, open windows, brand monitors, watermark) after a restart.
"""
from __future__ import annotations

import heapq
import sys
import time

from cluetrain.domain import alert_rules
from cluetrain.domain.brand_alerts import BrandMonitor
from cluetrain.domain.partition import PartitionState
from cluetrain.domain.results import DeadLetter, ScoredEvent, WindowSnapshot
from cluetrain.domain.state_codec import conversation_from_dict, conversation_to_dict
from cluetrain.domain.turns import Conversation, Post, release
from cluetrain.domain.windows import minute_of
from cluetrain.processing.processor import BatchOutput
from cluetrain.settings import Settings
from cluetrain.text import language, sentiment, voice


class PartitionJob:
    """One input partition: clocks and open windows in memory, conversations in the
    Quix store; `out` collects what the next checkpoint writes."""

    def __init__(self, settings: Settings, partition: int):
        s = settings
        self.partition = partition
        self.policies = s.sla_policies()
        self.warn_fraction = s.sla_warning_fraction
        self.brand_rules = s.brand_alert_rules
        self.lateness_ms = s.allowed_lateness_s * 1000
        # the clocks, watermark, lateness and window book of the domain's partition state
        self.clock = PartitionState(s.input_topics, lateness_ms=self.lateness_ms,
                                    policy_for=self.policies.for_brand, warn_fraction=self.warn_fraction)
        self.due: list[tuple[int, str, str]] = []  # (ms, brand, conversation_id) to release
        self.monitors: dict[str, BrandMonitor] = {}
        self.released: tuple[int, bool] = (-1, False)  # (watermark, final) of the last release
        self.release_s = 0.0  # wall time between two releases (0: at every record)
        self._next_release = 0.0
        self.out = BatchOutput()

    # -- records -----------------------------------------------------------
    def tick(self, topic: str, clock_ms: int, final: bool, states) -> None:
        self.clock.observe_clock(topic, clock_ms, final=final)
        self.advance(states)

    def dead_letter(self, topic: str, offset: int, reason: str, raw: bytes, now_ms: int) -> None:
        self.out.dead_letters.append(DeadLetter.of(now_ms, topic, self.partition, offset, reason, raw))

    def event(self, topic: str, offset: int, event, clock_ms: int | None, states, now_ms: int) -> None:
        clock = self.clock
        if clock_ms is None:
            clock_ms = clock.stream_clock_ms()
        clock.observe_clock(topic, clock_ms)
        text = event.text
        lang = event.lang or language.detect(text)
        score = sentiment.score(text, lang)
        late = clock.is_late(event.created_at_ms, clock_ms)
        keys = voice.template_keys(text) if event.is_brand_side else None
        self.out.events.append(ScoredEvent(event, score, lang, late, self.partition, offset, keys, now_ms))
        brand, cid = event.brand, event.conversation_id
        state = states(brand)
        record = state.get(cid)
        conv = conversation_from_dict(record) if record else Conversation(cid, sys.intern(brand))
        if not conv.has_seen(event.event_id):
            self._add(conv, event, score, late, clock_ms)
            state.set(cid, conversation_to_dict(conv))
        self.advance(states)

    def _add(self, conv: Conversation, event, score: float, late: bool, clock_ms: int) -> None:
        """PartitionState.add_event, on a conversation read from the store."""
        conv.mark_seen(event.event_id)
        conv.last_ms = max(conv.last_ms, event.created_at_ms)
        self.out.processed += 1
        if late:
            contribution = (minute_of(clock_ms - self.lateness_ms), "late_events", 1)
            conv.contributions = (conv.contributions or []) + [contribution]
            self.clock.windows.add(conv.brand, [contribution])
            return
        post = Post(event.created_at_ms, event.event_id, event.kind, event.author_id, event.author_role,
                    event.in_reply_to, score, event.author_followers,
                    event.text[:alert_rules.MAX_TEXT] if event.is_customer_message else "")
        conv.pending = (conv.pending or []) + [post]
        heapq.heappush(self.due, (event.created_at_ms, conv.brand, conv.conversation_id))

    # -- watermark ---------------------------------------------------------
    def advance(self, states) -> None:
        """Release what the watermark passed: at most every release_s of wall time (the
        worker does it once per batch), and at once when the input is final."""
        clock = self.clock
        wm = clock.watermark_ms()
        if wm is None:
            return
        final = clock.final
        if (wm, final) == self.released:
            return
        now = time.monotonic()
        if not final and now < self._next_release:
            return
        self.released, self._next_release = (wm, final), now + self.release_s
        touched = set()
        while self.due and (self.due[0][0] < wm or (final and self.due[0][0] == wm)):
            _, brand, cid = heapq.heappop(self.due)
            touched.add((brand, cid))
        for brand, cid in sorted(touched):
            self._release(states(brand), brand, cid, wm, final)
        horizon = minute_of(wm)
        if horizon > clock.horizon_s:
            clock.horizon_s = horizon
            windows = clock.windows.pop_final(horizon)
            self.out.windows += [WindowSnapshot(w.brand, w.minute_s * 1000, dict(w.counts), True, wm)
                                 for w in windows]
            self._brand_alerts(windows, horizon, wm)

    def _release(self, state, brand: str, cid: str, wm: int, final: bool) -> None:
        record = state.get(cid)
        if not record:
            return
        conv = conversation_from_dict(record)
        fold = release(conv, wm, final=final, policy=self.policies.for_brand(brand), warn_fraction=self.warn_fraction)
        horizon = self.clock.horizon_s
        fresh = [c for c in fold.added if c[0] >= horizon]
        if fresh:
            self.clock.windows.add(conv.brand, fresh)
        if conv.contributions:  # windows final by now never need them again
            conv.contributions = [c for c in conv.contributions if c[0] >= horizon] or None
        self.out.turns += [t.snapshot(brand, cid, wm) for t in fold.changed_turns]
        self.out.alerts += fold.alerts(wm)
        levels = self.policies.for_brand(brand).levels(self.warn_fraction)  # escalation levels: the timers
        for ms in (conv.timer_ms(levels), conv.pending_min_ms()):
            if ms is not None:
                heapq.heappush(self.due, (ms, brand, cid))
        state.set(cid, conversation_to_dict(conv))

    def _brand_alerts(self, final_windows, horizon: int, as_of_ms: int) -> None:
        for window in final_windows:
            monitor = self.monitors.get(window.brand)
            if monitor is None:
                monitor = self.monitors[window.brand] = BrandMonitor(window.brand)
            monitor.observe(window.minute_s, window.counts)
        for brand in sorted(self.monitors):
            self.out.alerts += self.monitors[brand].evaluate(horizon, self.brand_rules(brand), as_of_ms)

    # -- checkpoint --------------------------------------------------------
    def take(self) -> BatchOutput:
        """What the checkpoint writes: the outputs so far, open windows as of now."""
        out, self.out = self.out, BatchOutput()
        as_of = max(0, self.clock.watermark_ms() or 0)
        out.windows += [WindowSnapshot(w.brand, w.minute_s * 1000, dict(w.counts), False, as_of)
                        for w in self.clock.windows.pop_dirty()]
        return out
