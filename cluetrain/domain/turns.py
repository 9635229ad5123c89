"""Conversation turns, as a fold over released events.

DESIGN.md § Metric definitions (per brand, event time).

Events of a conversation are buffered until the watermark passes them, then applied
in (created_at, event_id) order, so the result does not depend on arrival order
within the allowed lateness. A turn opens at the first customer message after the
start or after the latest brand-side message; later customer messages join it; the
next brand-side message answers it. A turn not answered by its deadline is breached
at the deadline (emitted once the watermark passes it); a later answer makes it
answered_late. Every count is a window contribution at the moment it happens.

Deadlines and warnings follow the brand's SLA policy (domain/policy.py): the priority
and target are fixed when the turn opens, the deadline is the earliest instant with
that much business time since the start (domain/calendar.py), and each escalation
level the earliest with its fraction of it (DESIGN.md § SLA policies (extension),
§ Escalation levels).
"""
from __future__ import annotations

from dataclasses import dataclass

from cluetrain.domain import alert_rules, ledger
from cluetrain.domain.policy import NORMAL, Policy
from cluetrain.domain.results import Alert, TurnSnapshot
from cluetrain.domain.polarity import polarity
from cluetrain.domain.windows import Contribution, minute_of


@dataclass(frozen=True, slots=True)
class Post:
    """What the fold needs of an event (kept while it waits for the watermark)."""
    created_at_ms: int
    event_id: str
    kind: str
    author_id: str
    author_role: str
    in_reply_to: str | None
    sentiment: float
    author_followers: int | None = None
    text: str = ""

    @property
    def is_customer_message(self) -> bool:
        return self.kind == "mention" or self.author_role == "customer"


@dataclass(slots=True)
class Turn:
    index: int
    started_ms: int
    deadline_ms: int
    customer_messages: int = 1
    breached: bool = False
    answered_ms: int | None = None
    responder_id: str = ""
    responder_role: str = ""
    # who opened the turn and the customer's tone, for follower brackets and recovery
    customer_id: str = ""
    customer_followers: int | None = None
    first_sentiment: float = 0.0
    last_sentiment: float = 0.0
    negative_messages: int = 0
    # escalation levels (domain/policy.py Escalation, by fraction) fired so far: a
    # prefix, since their instants grow with the fraction
    fired: int = 0
    last_text: str = ""  # last customer text while an alert is still to fire (then none needs it)
    # (customer_messages, negative_messages, last_text) when each alert fired: an alert
    # says what was known at its firing, whatever comes after (deterministic)
    level_facts: tuple = ()  # one per fired level
    ignored_facts: tuple | None = None
    priority: str = NORMAL
    # when each level fires, fixed at the start with the deadline; None: a turn saved
    # before policies (then each fraction x its wall-clock SLA, as it was)
    level_ms: tuple[int, ...] | None = None
    business_latency_s: int | None = None  # set with the answer (answered turns are not saved)
    team: str = ""  # the responder's team (policy file's team map), set with the answer

    def levels_ms(self, levels) -> tuple[int, ...]:
        if self.level_ms is not None:
            return self.level_ms
        sla = self.deadline_ms - self.started_ms
        return tuple(self.started_ms + int(sla * level.at) for level in levels)

    def next_level_ms(self, levels) -> int | None:
        times = self.levels_ms(levels)
        return times[self.fired] if self.fired < len(times) else None

    def alerts_to_come(self, levels) -> bool:
        return not self.breached or self.fired < len(self.levels_ms(levels))

    def facts_now(self) -> tuple:
        """What an alert firing now says (shared with the previous alert's when unchanged)."""
        facts = (self.customer_messages, self.negative_messages, self.last_text)
        for earlier in (self.ignored_facts, self.level_facts[-1] if self.level_facts else None):
            if facts == earlier:
                return earlier
        return facts

    @property
    def prioritized(self) -> bool:
        """A priority rule matched (its alerts name the priority, for routes)."""
        return self.priority != NORMAL

    @property
    def status(self) -> str:
        if self.answered_ms is None:
            return "breached" if self.breached else "open"
        return "answered_late" if self.breached else "answered"

    @property
    def latency_s(self) -> int | None:
        return None if self.answered_ms is None else (self.answered_ms - self.started_ms) // 1000

    def snapshot(self, brand: str, conversation_id: str, as_of_ms: int) -> TurnSnapshot:
        return TurnSnapshot(
            brand, conversation_id, self.index, self.started_ms, self.customer_messages, self.answered_ms,
            self.responder_id, self.responder_role, self.latency_s, self.status, self.deadline_ms,
            self.customer_id, self.customer_followers, self.first_sentiment, self.last_sentiment,
            self.negative_messages, self.priority, self.business_latency_s, as_of_ms, self.team)


@dataclass(slots=True)
class Conversation:
    """One conversation's state, kept compact (a worker holds millions): empty
    containers are None, seen ids and customer authors live in one `ledger` bytes."""
    conversation_id: str
    brand: str
    pending: list[Post] | None = None
    turns_opened: int = 0
    open_turn: Turn | None = None
    contributions: list[Contribution] | None = None  # to windows not final under the saved meta
    ledger: bytes | None = None  # see ledger.py: every event_id seen, customer authors applied
    last_ms: int = 0  # latest created_at of its events: idle since then (eviction, partition.py)

    def has_seen(self, event_id: str) -> bool:
        return ledger.has(self.ledger, event_id)

    def mark_seen(self, event_id: str) -> None:
        self.ledger = ledger.add(self.ledger, event_id)

    def customer_author(self, event_id: str | None) -> str | None:
        return None if event_id is None else ledger.author(self.ledger, event_id)

    @property
    def quiescent(self) -> bool:
        """Nothing in flight: no buffered post, no timer to fire, no contribution to a
        window that is not final: its record alone is its whole state."""
        return not self.pending and not self.contributions and self.timer_ms() is None

    def pending_min_ms(self) -> int | None:
        return min(p.created_at_ms for p in self.pending) if self.pending else None

    def timer_ms(self, levels=()) -> int | None:
        """The next timer still to fire (an escalation level or the deadline), if any."""
        turn = self.open_turn
        if turn is None:
            return None
        level = turn.next_level_ms(levels)
        if turn.breached:
            return level
        return turn.deadline_ms if level is None or level > turn.deadline_ms else level


# side counters per is_customer_message: constant strings, not one f-string per contribution
_SIDE_COUNTERS = {
    is_customer: (f"{side}:messages", f"{side}:score_sum",
                  {p: f"{side}:{p}" for p in ("positive", "neutral", "negative")})
    for is_customer, side in ((True, "customer"), (False, "brand"))
}


class Fold:
    """Applies released posts to a conversation; collects changed turns, alerts and contributions."""

    def __init__(self, conversation: Conversation, policy: Policy, warn_fraction: float = 0.0):
        self.c = conversation
        self.policy = policy
        self.levels = policy.levels(warn_fraction)
        self.changed_turns: list[Turn] = []
        self.added: list[Contribution] = []
        # (kind, turn) -> (turn, fired_ms, facts, least severity)
        self._alerts: dict[tuple[str, int], tuple] = {}

    def alerts(self, as_of_ms: int) -> list[Alert]:
        """Alerts fired or resolved in this fold, in their state at its end."""
        c = self.c
        return [alert_rules.turn_alert(kind, c.brand, c.conversation_id, turn, fired_ms, as_of_ms, facts, floor)
                for (kind, _), (turn, fired_ms, facts, floor) in self._alerts.items()]

    def _level_alert(self, turn: Turn, i: int, fired_ms: int) -> None:
        level = self.levels[i]
        self._alerts[(level.kind, turn.index)] = (turn, fired_ms, turn.level_facts[i], level.severity)

    def _ignored_alert(self, turn: Turn) -> None:
        self._alerts[(alert_rules.IGNORED, turn.index)] = (turn, turn.deadline_ms, turn.ignored_facts, None)

    def due(self, before_ms: int) -> None:
        """Fire, in time order, the open turn's levels and breach earlier than `before_ms`."""
        turn = self.c.open_turn
        if turn is None:
            return
        times = turn.levels_ms(self.levels)
        n = min(len(times), len(self.levels))  # a level more in the state than in the policy: dropped
        while True:
            level = times[turn.fired] if turn.fired < n else None
            if not turn.breached and turn.deadline_ms < before_ms and (level is None or turn.deadline_ms <= level):
                turn.breached = True
                self._count(turn.deadline_ms, "breached")
                self._touch(turn)
                turn.ignored_facts = turn.facts_now()
                self._ignored_alert(turn)
            elif level is not None and level < before_ms:
                turn.level_facts += (turn.facts_now(),)
                turn.fired += 1
                self._level_alert(turn, turn.fired - 1, level)
            else:
                break
            if turn.breached and turn.fired >= n:
                turn.last_text = ""  # every alert of the turn has its facts now

    def _count(self, ms: int, counter: str, amount: float = 1) -> None:
        self.added.append((minute_of(ms), counter, amount))

    def _touch(self, turn: Turn) -> None:
        if not self.changed_turns or self.changed_turns[-1] is not turn:
            self.changed_turns.append(turn)

    def apply(self, post: Post) -> None:
        self.due(post.created_at_ms)
        t = post.created_at_ms
        names = _SIDE_COUNTERS[post.is_customer_message]
        m = minute_of(t)
        self.added += ((m, names[0], 1), (m, names[1], post.sentiment), (m, names[2][polarity(post.sentiment)], 1))
        if post.is_customer_message:
            self._customer_message(post)
        else:
            self._brand_side_message(post)

    def _customer_message(self, post: Post) -> None:
        c, t = self.c, post.created_at_ms
        self._count(t, "customer_messages")
        parent_author = c.customer_author(post.in_reply_to)
        if post.kind == "reply" and parent_author is not None and parent_author != post.author_id:
            self._count(t, "peer_replies")
        c.ledger = ledger.set_author(c.ledger, post.event_id, post.author_id)
        turn = c.open_turn
        if turn is None:
            turn = c.open_turn = self._open_turn(post)
            c.turns_opened += 1
            self._count(t, "turns_opened")
        else:
            turn.customer_messages += 1
        turn.last_sentiment = post.sentiment
        if turn.alerts_to_come(self.levels):  # else every alert has its facts already
            turn.last_text = post.text[:alert_rules.MAX_TEXT]
        if polarity(post.sentiment) == "negative":
            turn.negative_messages += 1
        self._touch(turn)

    def _open_turn(self, post: Post) -> Turn:
        t, policy = post.created_at_ms, self.policy
        priority, sla_ms = policy.target(self.c.turns_opened, post.author_followers, post.text, post.sentiment)
        calendar = policy.calendar
        return Turn(index=self.c.turns_opened, started_ms=t, deadline_ms=calendar.deadline_ms(t, sla_ms),
                    customer_id=post.author_id, customer_followers=post.author_followers,
                    first_sentiment=post.sentiment, priority=priority,
                    level_ms=tuple(level.fire_ms(calendar, t, sla_ms) for level in self.levels))

    def _brand_side_message(self, post: Post) -> None:
        c, t = self.c, post.created_at_ms
        self._count(t, "brand_replies")
        if post.author_role == "employee":
            self._count(t, "employee_replies")
        turn = c.open_turn
        if turn is None:
            return  # a brand-side message with no open turn answers nothing
        turn.answered_ms = t
        turn.responder_id = post.author_id
        turn.responder_role = post.author_role
        turn.business_latency_s = self.policy.calendar.open_ms(turn.started_ms, t) // 1000
        turn.team = self.policy.teams.get(post.author_id, "")
        self._count(t, "answered")
        self._count(t, "answered_late" if turn.breached else "answered_within_sla")
        self._count(t, "latency_sum_s", turn.latency_s)
        self._touch(turn)
        times = turn.levels_ms(self.levels)
        for i in range(min(turn.fired, len(self.levels))):  # resolves the alerts of the turn
            self._level_alert(turn, i, times[i])
        if turn.breached:
            self._ignored_alert(turn)
        c.open_turn = None


def release(conversation: Conversation, watermark_ms: int, *, final: bool, policy: Policy,
            warn_fraction: float = 0.0) -> Fold:
    """Apply the pending posts the watermark has passed, then fire a passed deadline.

    Posts before the watermark are complete (no on-time post can still arrive there);
    at the end of a replay (`final`) posts at the watermark are complete too. A
    deadline fires once the watermark is strictly past it: an answer exactly at the
    deadline is within the SLA.
    """
    fold = Fold(conversation, policy, warn_fraction)
    if conversation.pending:
        due = [p for p in conversation.pending
               if p.created_at_ms < watermark_ms or (final and p.created_at_ms == watermark_ms)]
        if due:
            due.sort(key=lambda p: (p.created_at_ms, p.event_id))
            conversation.pending = [p for p in conversation.pending
                                    if not (p.created_at_ms < watermark_ms or (final and p.created_at_ms == watermark_ms))
                                    ] or None
            for post in due:
                fold.apply(post)
    fold.due(watermark_ms)
    if fold.added:
        if conversation.contributions is None:
            conversation.contributions = fold.added
        else:
            conversation.contributions.extend(fold.added)
    return fold
