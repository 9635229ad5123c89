"""SLA policies: per brand a calendar, first/next reply targets and priority rules.

DESIGN.md § SLA policies (extension) and § Priorities and targets. A turn's target is
fixed when it starts, from its first customer message: the first rule of the brand's
policy (in file order) whose every condition holds gives its priority and targets;
else priority "normal" and the policy's targets. turn_index 0 takes the first-reply
target, later turns the next-reply one.

Escalation levels (DESIGN.md § Escalation levels): alerts at fractions of the target,
in business time; the breach (fraction 1, ignored_conversation) is always there. A
policy without `escalations` has one level, sla_warning at CLUETRAIN_SLA_WARNING_FRACTION
(0: none), as without a file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from cluetrain.domain.alert_rules import WARNING
from cluetrain.domain.calendar import ALWAYS_OPEN, AlwaysOpen, BusinessCalendar

NORMAL = "normal"


@dataclass(frozen=True)
class Escalation:
    """One level: an alert of `kind` when a turn is still unanswered at `at` x its
    target of business time; `severity`, if set, is the least severity it has."""
    kind: str
    at: float
    severity: str | None = None

    @property
    def suffix(self) -> str:
        """Of its alert_id, '<conversation_id>:<turn_index>:<suffix>': the kind
        without 'sla_' (sla_warning -> warning, as before levels)."""
        return self.kind.removeprefix("sla_")

    def fire_ms(self, calendar, started_ms: int, sla_ms: int) -> int:
        return calendar.deadline_ms(started_ms, int(sla_ms * self.at))


def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern | None:
    """Whole words (or phrases), case-insensitive: matched on the casefolded text, and
    neither preceded nor followed by a letter, digit or underscore ("refund" matches
    "Refund!" but not "refunded")."""
    if not keywords:
        return None
    words = "|".join(re.escape(k.casefold()) for k in keywords)
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)")


@dataclass(frozen=True)
class PriorityRule:
    """Conditions (all must hold; at least one) and the targets they give, in ms."""
    name: str
    first_reply_ms: int
    next_reply_ms: int
    min_followers: int | None = None  # author_followers >= this (unknown followers never match)
    keywords: tuple[str, ...] = ()  # any of them in the text
    max_sentiment: float | None = None  # sentiment score <= this
    _pattern: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", keyword_pattern(self.keywords))

    def matches(self, followers: int | None, text: str, sentiment: float) -> bool:
        if self.min_followers is not None and (followers is None or followers < self.min_followers):
            return False
        if self.max_sentiment is not None and sentiment > self.max_sentiment:
            return False
        return self._pattern is None or self._pattern.search(text.casefold()) is not None


@dataclass(frozen=True)
class Policy:
    """One brand's resolved policy."""
    calendar: AlwaysOpen | BusinessCalendar
    first_reply_ms: int
    next_reply_ms: int
    rules: tuple[PriorityRule, ...] = ()
    escalations: tuple[Escalation, ...] | None = None  # None: not in the file (the warning setting)
    teams: Mapping[str, str] = field(default_factory=dict, hash=False)  # responder_id -> team
    _levels: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def levels(self, warn_fraction: float) -> tuple[Escalation, ...]:
        """The escalation levels, by fraction: the file's, else the warning setting's."""
        levels = self._levels.get(warn_fraction)
        if levels is None:
            if self.escalations is not None:
                levels = tuple(sorted(self.escalations, key=lambda e: e.at))
            else:
                levels = (Escalation(WARNING, warn_fraction),) if 0 < warn_fraction < 1 else ()
            self._levels[warn_fraction] = levels
        return levels

    def target(self, turn_index: int, followers: int | None, text: str, sentiment: float) -> tuple[str, int]:
        """(priority, SLA in business ms) of a turn opened by this customer message."""
        for rule in self.rules:
            if rule.matches(followers, text, sentiment):
                return rule.name, rule.first_reply_ms if turn_index == 0 else rule.next_reply_ms
        return NORMAL, self.first_reply_ms if turn_index == 0 else self.next_reply_ms


@dataclass(frozen=True)
class PolicyTable:
    """A table of the policy file, as declared: targets it leaves out (None) are the
    brand's SLA without a file (CLUETRAIN_BRAND_SLA, else CLUETRAIN_DEFAULT_SLA_S); a
    rule's left-out targets are its policy's."""
    calendar: AlwaysOpen | BusinessCalendar = ALWAYS_OPEN
    first_reply_ms: int | None = None
    next_reply_ms: int | None = None
    # (name, min_followers, keywords, max_sentiment, first_reply_ms | None, next_reply_ms | None)
    rules: tuple[tuple, ...] = ()
    escalations: tuple[Escalation, ...] | None = None
    teams: Mapping[str, str] = field(default_factory=dict, hash=False)

    def resolve(self, fallback_ms: int) -> Policy:
        first = fallback_ms if self.first_reply_ms is None else self.first_reply_ms
        nxt = fallback_ms if self.next_reply_ms is None else self.next_reply_ms
        rules = tuple(PriorityRule(name, first if f is None else f, nxt if n is None else n,
                                   min_followers, keywords, max_sentiment)
                      for name, min_followers, keywords, max_sentiment, f, n in self.rules)
        return Policy(self.calendar, first, nxt, rules, self.escalations, self.teams)


class Policies:
    """brand -> Policy: the brand's table, else the default table, resolved once per brand."""

    def __init__(self, default: PolicyTable, brands: Mapping[str, PolicyTable],
                 fallback_ms: Callable[[str], int]):
        self.default = default
        self.brands = dict(brands)
        self.fallback_ms = fallback_ms
        self._resolved: dict[str, Policy] = {}

    def for_brand(self, brand: str) -> Policy:
        policy = self._resolved.get(brand)
        if policy is None:
            table = self.brands.get(brand, self.default)
            policy = self._resolved[brand] = table.resolve(self.fallback_ms(brand))
        return policy
