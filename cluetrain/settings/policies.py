"""The SLA policy file (`CLUETRAIN_POLICIES`, TOML): read, check every key, build the
domain's policy tables (DESIGN.md § SLA policies (extension), § The policy file).

Every error is one line naming the file, the key (or the line, for a syntax error)
and what is expected, e.g.
`CLUETRAIN_POLICIES: p.toml: brands.acme.hours.mon[1]: expected a span "HH:MM-HH:MM", got '9-12'`.
"""
from __future__ import annotations

import functools
import os
import re
import tomllib
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cluetrain.domain.calendar import ALWAYS_OPEN, DAY_MINUTES, WEEKDAYS, BusinessCalendar
from cluetrain.domain.alert_rules import SEVERITIES
from cluetrain.domain.policy import NORMAL, Escalation, PolicyTable
from cluetrain.settings.types import SettingsError

TOP_KEYS = ("default", "brands")
TABLE_KEYS = ("timezone", "first_reply_sla_s", "next_reply_sla_s", "hours", "holidays", "priority", "escalations", "teams")
RULE_KEYS = ("name", "min_followers", "keywords", "max_sentiment", "first_reply_sla_s", "next_reply_sla_s")
CONDITIONS = ("min_followers", "keywords", "max_sentiment")
LEVEL_KEYS = ("at", "kind", "severity")
MAX_LEVEL_AT = 100  # fractions of the target; a level further out is a typo, not a policy
_KIND = re.compile(r"^sla_[a-z0-9_]+$")
_SPAN = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class PolicyFileError(SettingsError):
    """One line: the file, the key and what is expected."""


def load_policies(path: str) -> tuple[PolicyTable, dict[str, PolicyTable]]:
    """(default table, {brand: table}) of the file; cached while the file is unchanged."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise PolicyFileError(f"CLUETRAIN_POLICIES: {path}: cannot read: {exc.strerror}") from None
    return _load(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> tuple[PolicyTable, dict[str, PolicyTable]]:
    return _Reader(path).read()


class _Reader:
    def __init__(self, path: str):
        self.path = path

    def fail(self, key: str, expected: str) -> PolicyFileError:
        return PolicyFileError(f"CLUETRAIN_POLICIES: {self.path}: {key}: {expected}")

    def read(self) -> tuple[PolicyTable, dict[str, PolicyTable]]:
        try:
            with open(self.path, "rb") as f:
                doc = tomllib.load(f)
        except OSError as exc:
            raise PolicyFileError(f"CLUETRAIN_POLICIES: {self.path}: cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            where = _TOML_POSITION.search(message)
            if where:
                message = message[:where.start()]
                raise self.fail(f"line {where.group(1)}, column {where.group(2)}",
                                f"TOML syntax error: {message}") from None
            raise self.fail("TOML", f"syntax error: {message}") from None
        self.known(doc, "", TOP_KEYS)
        default = self.table(doc.get("default", {}), "default")
        brands_doc = doc.get("brands", {})
        if not isinstance(brands_doc, dict):
            raise self.fail("brands", "expected a table of brands ([brands.<brand>])")
        brands = {}
        for brand, table in brands_doc.items():
            if brand != brand.lower() or not brand:
                raise self.fail(f"brands.{brand}", "expected a lower-case brand handle (as in the events' brand)")
            brands[brand] = self.table(table, f"brands.{brand}")
        return default, brands

    def known(self, table: dict, where: str, keys: tuple[str, ...]) -> None:
        for key in table:
            if key not in keys:
                raise self.fail(f"{where}{key}", f"unknown field (expected one of {', '.join(keys)})")

    def table(self, doc, where: str) -> PolicyTable:
        if not isinstance(doc, dict):
            raise self.fail(where, "expected a table")
        self.known(doc, f"{where}.", TABLE_KEYS)
        tz = doc.get("timezone", "UTC")
        if not isinstance(tz, str) or not self.timezone_exists(tz):
            raise self.fail(f"{where}.timezone", f"unknown timezone {tz!r} (expected an IANA name, e.g. Europe/Paris)")
        first = self.seconds(doc, "first_reply_sla_s", where)
        nxt = self.seconds(doc, "next_reply_sla_s", where)
        calendar = ALWAYS_OPEN
        holidays = self.holidays(doc.get("holidays", []), f"{where}.holidays")
        if "hours" in doc:
            calendar = BusinessCalendar(tz, self.week(doc["hours"], f"{where}.hours"), holidays)
        elif holidays:
            raise self.fail(f"{where}.holidays", "holidays need `hours` (without them the brand is open 24/7)")
        rules = doc.get("priority", [])
        if not isinstance(rules, list):
            raise self.fail(f"{where}.priority", "expected an array of tables ([[...priority]])")
        names: set[str] = set()
        parsed = tuple(self.rule(rule, f"{where}.priority[{i}]", names) for i, rule in enumerate(rules))
        escalations = None
        if "escalations" in doc:
            escalations = self.escalations(doc["escalations"], f"{where}.escalations")
        teams = self.teams(doc["teams"], f"{where}.teams") if "teams" in doc else {}
        return PolicyTable(calendar, first, nxt, parsed, escalations, teams)

    def teams(self, doc, where: str) -> dict[str, str]:
        """{team: [responder ids]} -> {responder id: team} (DESIGN.md § Teams)."""
        if not isinstance(doc, dict):
            raise self.fail(where, 'expected a table of teams, e.g. { care = ["acme/JK", "acme/AB"] }')
        members: dict[str, str] = {}
        for team, ids in doc.items():
            if not team.strip():
                raise self.fail(where, "expected team names that are not empty")
            if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i.strip() for i in ids):
                raise self.fail(f"{where}.{team}", f"expected a non-empty array of responder ids, got {ids!r}")
            for i in ids:
                if i in members:
                    raise self.fail(f"{where}.{team}", f"{i!r} is already in team {members[i]!r}")
                members[i] = team
        return members

    def escalations(self, doc, where: str) -> tuple[Escalation, ...]:
        """Levels at fractions of the target (DESIGN.md § Escalation levels); [] = none."""
        if not isinstance(doc, list):
            raise self.fail(where, 'expected an array of levels, e.g. [{ at = 0.75, kind = "sla_warning" }]')
        levels, kinds, fractions = [], set(), set()
        for i, level in enumerate(doc):
            key = f"{where}[{i}]"
            if not isinstance(level, dict):
                raise self.fail(key, 'expected a table { at = <fraction of the target>, kind = "sla_..." }')
            self.known(level, f"{key}.", LEVEL_KEYS)
            at = level.get("at")
            if isinstance(at, bool) or not isinstance(at, (int, float)) or not 0 < at <= MAX_LEVEL_AT or at == 1:
                raise self.fail(f"{key}.at", f"expected a fraction of the target > 0 and <= {MAX_LEVEL_AT}, "
                                f"not 1 (the deadline is the breach, ignored_conversation), got {at!r}")
            if at in fractions:
                raise self.fail(f"{key}.at", f"two levels at {at!r} x the target")
            kind = level.get("kind")
            if not isinstance(kind, str) or not _KIND.match(kind):
                raise self.fail(f"{key}.kind", f"expected an alert kind sla_<name> (lower case, digits, _), got {kind!r}")
            if kind in kinds:
                raise self.fail(f"{key}.kind", f"alert kind {kind!r} is declared twice for this brand")
            least = level.get("severity")
            if least is not None and least not in SEVERITIES:
                raise self.fail(f"{key}.severity", f"expected one of {', '.join(SEVERITIES)}, got {least!r}")
            fractions.add(at)
            kinds.add(kind)
            levels.append(Escalation(kind, float(at), least))
        return tuple(levels)

    @staticmethod
    def timezone_exists(name: str) -> bool:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return False
        return True

    def seconds(self, doc: dict, key: str, where: str) -> int | None:
        """A target in ms, or None when left out."""
        if key not in doc:
            return None
        value = doc[key]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(f"{where}.{key}", f"expected a positive whole number of seconds, got {value!r}")
        return value * 1000

    def week(self, doc, where: str) -> dict[int, tuple[tuple[int, int], ...]]:
        if not isinstance(doc, dict):
            raise self.fail(where, 'expected a table of weekdays, e.g. { mon = ["09:00-18:00"] }')
        week = {}
        for day, spans in doc.items():
            if day not in WEEKDAYS:
                raise self.fail(f"{where}.{day}", f"unknown weekday (expected one of {', '.join(WEEKDAYS)})")
            if not isinstance(spans, list):
                raise self.fail(f"{where}.{day}", 'expected an array of spans, e.g. ["09:00-12:00", "13:00-18:00"]')
            week[WEEKDAYS.index(day)] = tuple(self.span(s, f"{where}.{day}[{i}]") for i, s in enumerate(spans))
        if not any(week.values()):
            raise self.fail(where, "expected at least one span a week (leave `hours` out for 24/7)")
        return week

    def span(self, text, where: str) -> tuple[int, int]:
        expected = (f'expected a span "HH:MM-HH:MM" (00:00 to 23:59, an end up to 24:00; an end at or '
                    f'before the start runs past midnight), got {text!r}')
        match = _SPAN.match(text) if isinstance(text, str) else None
        if not match:
            raise self.fail(where, expected)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > DAY_MINUTES:
            raise self.fail(where, expected)
        return start, end if end > start else end + DAY_MINUTES

    def holidays(self, doc, where: str) -> frozenset[date]:
        if not isinstance(doc, list):
            raise self.fail(where, 'expected an array of local dates, e.g. ["2026-12-25"]')
        days = set()
        for i, value in enumerate(doc):
            day = self.local_date(value)
            if day is None:
                raise self.fail(f"{where}[{i}]", f"expected a date YYYY-MM-DD, got {value!r}")
            days.add(day)
        return frozenset(days)

    @staticmethod
    def local_date(value) -> date | None:
        """A TOML local date (2026-12-25) or the same text in quotes."""
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
        return None

    def rule(self, doc, where: str, names: set[str]) -> tuple:
        if not isinstance(doc, dict):
            raise self.fail(where, "expected a table")
        self.known(doc, f"{where}.", RULE_KEYS)
        name = doc.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.fail(f"{where}.name", "expected the priority's name (text)")
        if name == NORMAL:
            raise self.fail(f"{where}.name", f"'{NORMAL}' is the priority of turns that no rule matches")
        if name in names:
            raise self.fail(f"{where}.name", f"priority {name!r} is declared twice for this brand")
        names.add(name)
        if not any(k in doc for k in CONDITIONS):
            raise self.fail(where, f"expected at least one condition ({', '.join(CONDITIONS)})")
        followers = doc.get("min_followers")
        if followers is not None and (isinstance(followers, bool) or not isinstance(followers, int) or followers < 0):
            raise self.fail(f"{where}.min_followers", f"expected a whole number >= 0, got {followers!r}")
        keywords = doc.get("keywords", [])
        if not isinstance(keywords, list) or ("keywords" in doc and not keywords) or not all(
                isinstance(k, str) and k.strip() for k in keywords):
            raise self.fail(f"{where}.keywords", f"expected a non-empty array of non-empty texts, got {keywords!r}")
        bound = doc.get("max_sentiment")
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float)) or not -1 <= bound <= 1):
            raise self.fail(f"{where}.max_sentiment", f"expected a sentiment score in [-1, 1], got {bound!r}")
        return (name, followers, tuple(keywords), None if bound is None else float(bound),
                self.seconds(doc, "first_reply_sla_s", where), self.seconds(doc, "next_reply_sla_s", where))
