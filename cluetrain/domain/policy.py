"""SLA policies: per brand a calendar, first/next reply targets and priority rules.

DESIGN.md § SLA policies (extension) and § Priorities and targets. A turn's target is
fixed when it starts, from its first customer message: the first rule of the brand's
policy (in file order) whose every condition holds gives its priority and targets;
else priority "normal" and the policy's targets. turn_index 0 takes the first-reply
target, later turns the next-reply one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from cluetrain.domain.calendar import ALWAYS_OPEN, AlwaysOpen, BusinessCalendar

NORMAL = "normal"


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

    def resolve(self, fallback_ms: int) -> Policy:
        first = fallback_ms if self.first_reply_ms is None else self.first_reply_ms
        nxt = fallback_ms if self.next_reply_ms is None else self.next_reply_ms
        rules = tuple(PriorityRule(name, first if f is None else f, nxt if n is None else n,
                                   min_followers, keywords, max_sentiment)
                      for name, min_followers, keywords, max_sentiment, f, n in self.rules)
        return Policy(self.calendar, first, nxt, rules)


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
