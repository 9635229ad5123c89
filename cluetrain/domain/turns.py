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
that much business time since the start (domain/calendar.py), and the warning the
earliest with the warning fraction of it (DESIGN.md § SLA policies (extension)).
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
    warned: bool = False  # early warning fired
    last_text: str = ""  # last customer text until the turn is breached (then no alert needs it)
    # (customer_messages, negative_messages, last_text) when each alert fired: an alert
    # says what was known at its firing, whatever comes after (deterministic)
    warning_facts: tuple | None = None
    ignored_facts: tuple | None = None
    priority: str = NORMAL
    # when the early warning fires, fixed at the start with the deadline; None: warnings
    # off, or a turn saved before policies (then f x its wall-clock SLA, as it was)
    warn_ms: int | None = None
    business_latency_s: int | None = None  # set with the answer (answered turns are not saved)

    def warning_ms(self, warn_fraction: float) -> int | None:
        if self.warn_ms is not None:
            return self.warn_ms
        return alert_rules.warning_ms(self.started_ms, self.deadline_ms - self.started_ms, warn_fraction)

    def facts(self, kind: str) -> tuple | None:
        return self.warning_facts if kind == alert_rules.WARNING else self.ignored_facts

    def keep_facts(self, kind: str) -> None:
        """Record what is known now for `kind` (once: the first firing stands)."""
        if self.facts(kind) is not None:
            return
        facts = (self.customer_messages, self.negative_messages, self.last_text)
        if facts == self.warning_facts:  # unchanged since the warning: share it
            facts = self.warning_facts
        if kind == alert_rules.WARNING:
            self.warning_facts = facts
        else:
            self.ignored_facts = facts

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
            self.negative_messages, self.priority, self.business_latency_s, as_of_ms)


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

    def timer_ms(self, warn_fraction: float = 0.0) -> int | None:
        """The next timer still to fire (early warning, then deadline), if any."""
        turn = self.open_turn
        if turn is None or turn.breached:
            return None
        warn = turn.warning_ms(warn_fraction)
        return warn if warn is not None and not turn.warned else turn.deadline_ms


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
        self.warn_fraction = warn_fraction
        self.changed_turns: list[Turn] = []
        self.added: list[Contribution] = []
        self._alerts: dict[tuple[str, int], tuple[Turn, int]] = {}  # (kind, turn) -> (turn, fired_ms)

    def alerts(self, as_of_ms: int) -> list[Alert]:
        """Alerts fired or resolved in this fold, in their state at its end."""
        c = self.c
        return [alert_rules.turn_alert(kind, c.brand, c.conversation_id, turn, fired_ms, as_of_ms)
                for (kind, _), (turn, fired_ms) in self._alerts.items()]

    def _alert(self, kind: str, turn: Turn, fired_ms: int) -> None:
        turn.keep_facts(kind)
        self._alerts[(kind, turn.index)] = (turn, fired_ms)

    def warn_due(self, before_ms: int) -> None:
        """Early warning if the open turn is still unanswered at its warning time."""
        turn = self.c.open_turn
        if turn is None or turn.warned or turn.breached:
            return
        warn = turn.warning_ms(self.warn_fraction)
        if warn is not None and warn < before_ms:
            turn.warned = True
            self._alert(alert_rules.WARNING, turn, warn)

    def _count(self, ms: int, counter: str, amount: float = 1) -> None:
        self.added.append((minute_of(ms), counter, amount))

    def _touch(self, turn: Turn) -> None:
        if not self.changed_turns or self.changed_turns[-1] is not turn:
            self.changed_turns.append(turn)

    def breach_due(self, before_ms: int) -> None:
        """Breach the open turn if its deadline is earlier than `before_ms`."""
        turn = self.c.open_turn
        if turn is not None and not turn.breached and turn.deadline_ms < before_ms:
            turn.breached = True
            self._count(turn.deadline_ms, "breached")
            self._touch(turn)
            self._alert(alert_rules.IGNORED, turn, turn.deadline_ms)
            turn.last_text = ""  # every alert of the turn has its facts now

    def apply(self, post: Post) -> None:
        self.warn_due(post.created_at_ms)
        self.breach_due(post.created_at_ms)
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
        if not turn.breached:  # a breached turn's alerts have their facts already
            turn.last_text = post.text[:alert_rules.MAX_TEXT]
        if polarity(post.sentiment) == "negative":
            turn.negative_messages += 1
        self._touch(turn)

    def _open_turn(self, post: Post) -> Turn:
        t, policy = post.created_at_ms, self.policy
        priority, sla_ms = policy.target(self.c.turns_opened, post.author_followers, post.text, post.sentiment)
        warn = None
        if 0 < self.warn_fraction < 1:
            warn = policy.calendar.deadline_ms(t, int(sla_ms * self.warn_fraction))
        return Turn(index=self.c.turns_opened, started_ms=t, deadline_ms=policy.calendar.deadline_ms(t, sla_ms),
                    customer_id=post.author_id, customer_followers=post.author_followers,
                    first_sentiment=post.sentiment, priority=priority, warn_ms=warn)

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
        self._count(t, "answered")
        self._count(t, "answered_late" if turn.breached else "answered_within_sla")
        self._count(t, "latency_sum_s", turn.latency_s)
        self._touch(turn)
        if turn.warned:  # resolves the alerts of the turn
            self._alert(alert_rules.WARNING, turn, turn.warning_ms(self.warn_fraction))
        if turn.breached:
            self._alert(alert_rules.IGNORED, turn, turn.deadline_ms)
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
    fold.warn_due(watermark_ms)
    fold.breach_due(watermark_ms)
    if fold.added:
        if conversation.contributions is None:
            conversation.contributions = fold.added
        else:
            conversation.contributions.extend(fold.added)
    return fold
