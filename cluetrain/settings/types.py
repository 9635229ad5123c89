"""The types a setting can have. Each one parses the environment's string, checks a
value (parsed, or given in code such as a command-line flag) and formats a value back
into the string that rebuilds it in a child process; `kind` is the README's type column.

Messages never name the variable (the declaration adds it) and never quote the value
of a URL, which may be a credential.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping


class SettingsError(ValueError):
    """A CLUETRAIN_* variable that is unknown or has a value we cannot use (one line)."""


class BadValue(ValueError):
    """A value a type rejects; the declaration turns it into a SettingsError."""


@dataclass(frozen=True)
class Text:
    kind: str = "text"
    prefixes: tuple[str, ...] = ()  # a non-empty value must start with one of these

    def parse(self, raw: str) -> str:
        return raw.strip()

    def check(self, value: Any) -> None:
        if not isinstance(value, str):
            raise BadValue(f"expected text, got {type(value).__name__}")
        if value and self.prefixes and not value.startswith(self.prefixes):
            raise BadValue(f"must start with {' or '.join(self.prefixes)}")

    def format(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class BrokerUrl:
    """Kafka bootstrap addresses: `kafka://host:port[,host:port…]` (or without the scheme);
    empty is allowed where the embedded broker is started instead."""
    kind: str = "Kafka URL"

    def parse(self, raw: str) -> str:
        return raw.strip()

    def check(self, value: Any) -> None:
        if not isinstance(value, str):
            raise BadValue(f"expected text, got {type(value).__name__}")
        if not value:
            return
        rest = value.removeprefix("kafka://").removeprefix("tcp://").rstrip("/")
        expected = "expected kafka://host:port[,host:port…]"
        if "://" in rest:
            raise BadValue(f"{expected}: another scheme than kafka://")
        for entry in rest.split(","):
            host, sep, port = entry.strip().rpartition(":")
            if not sep or not host.strip("[]") or "@" in host or "/" in host:
                raise BadValue(f"{expected}: each address is host:port")
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise BadValue(f"{expected}: a port from 1 to 65535 after each host")

    def format(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "one of " + ", ".join(f"`{o}`" for o in self.options)

    def parse(self, raw: str) -> str:
        return raw.strip()

    def check(self, value: Any) -> None:
        if value not in self.options:
            raise BadValue(f"expected {', '.join(self.options[:-1])} or {self.options[-1]}, got {value!r}")

    def format(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Number:
    """An int or a float within bounds: above `low` (or at it, with low_allowed), and at
    most `high` (or below it, without high_allowed) when there is one."""
    type: type = int
    low: float = 0
    low_allowed: bool = False
    high: float | None = None
    high_allowed: bool = True

    @property
    def _name(self) -> str:
        return "an integer" if self.type is int else "a number"

    @property
    def bounds(self) -> str:
        if self.high is None:
            return f"{'>=' if self.low_allowed else '>'} {self.low}"
        return f"in {'[' if self.low_allowed else '('}{self.low}, {self.high}{']' if self.high_allowed else ')'}"

    @property
    def kind(self) -> str:
        return f"{'integer' if self.type is int else 'number'} {self.bounds}"

    def parse(self, raw: str) -> int | float:
        try:
            return self.type(str(raw).strip())
        except ValueError:
            raise BadValue(f"expected {self._name}, got {raw!r}") from None

    def check(self, value: Any) -> None:
        allowed = (int,) if self.type is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise BadValue(f"expected {self._name}, got {value!r}")
        above_low = value >= self.low if self.low_allowed else value > self.low
        below_high = self.high is None or (value <= self.high if self.high_allowed else value < self.high)
        if not (above_low and below_high):  # also rejects nan
            raise BadValue(f"must be {self.bounds}, got {value}")

    def format(self, value: int | float) -> str:
        return str(value)


def _entries(raw: str) -> list[str]:
    return [part for part in (p.strip() for p in raw.split(",")) if part]


@dataclass(frozen=True)
class BrandValues:
    """`brand=<unit>,brand=<unit>`: one value per brand (brands lower-cased)."""
    value: Number
    unit: str

    @property
    def kind(self) -> str:
        return f"`brand={self.unit},…` ({self.value.kind})"

    def parse(self, raw: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for part in _entries(raw):
            brand, sep, value = part.partition("=")
            if not sep or not brand.strip():
                raise BadValue(f"expected brand={self.unit}, got {part!r}")
            try:
                out[brand.strip().lower()] = self.value.parse(value)
            except BadValue as exc:
                raise BadValue(f"{brand.strip()}: {exc}") from None
        return out

    def check(self, value: Any) -> None:
        if not isinstance(value, Mapping):
            raise BadValue(f"expected a mapping of brands, got {type(value).__name__}")
        for brand, v in value.items():
            try:
                self.value.check(v)
            except BadValue as exc:
                raise BadValue(f"{brand}: {exc}") from None

    def format(self, value: Mapping[str, Any]) -> str:
        return ",".join(f"{b}={self.value.format(v)}" for b, v in sorted(value.items()))


@dataclass(frozen=True)
class BrandOverrides:
    """`brand:name=value;name=value,brand:...`: per-brand values of other settings, each
    parsed and checked by the type of the setting it overrides. `overridable` answers
    {setting name: its type}; a function, since those settings are declared alongside."""
    overridable: Callable[[], Mapping[str, Number]]

    kind = "`brand:name=value;…,…`"

    def parse(self, raw: str) -> dict[str, dict[str, Any]]:
        types = self.overridable()
        out: dict[str, dict[str, Any]] = {}
        for part in _entries(raw):
            brand, sep, assignments = part.partition(":")
            if not sep or not brand.strip():
                raise BadValue(f"expected brand:name=value;..., got {part!r}")
            rules = out.setdefault(brand.strip().lower(), {})
            for assignment in filter(None, (a.strip() for a in assignments.split(";"))):
                name, sep, value = (s.strip() for s in assignment.partition("="))
                if not sep or name not in types:
                    raise BadValue(f"unknown setting in {assignment!r} (one of {', '.join(types)})")
                rules[name] = types[name].parse(value)
        return out

    def check(self, value: Any) -> None:
        types = self.overridable()
        if not isinstance(value, Mapping):
            raise BadValue(f"expected a mapping of brands, got {type(value).__name__}")
        for brand, rules in value.items():
            for name, v in rules.items():
                if name not in types:
                    raise BadValue(f"{brand}: unknown setting {name!r} (one of {', '.join(types)})")
                try:
                    types[name].check(v)
                except BadValue as exc:
                    raise BadValue(f"{brand}: {name} {exc}") from None

    def format(self, value: Mapping[str, Mapping[str, Any]]) -> str:
        types = self.overridable()
        return ",".join(f"{b}:" + ";".join(f"{k}={types[k].format(v)}" for k, v in sorted(rules.items()))
                        for b, rules in sorted(value.items()))
