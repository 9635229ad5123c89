"""One frozen settings object, built from the environment (prefix CLUETRAIN_).

Every setting is listed in SETTINGS_DOC (rendered in the README). Build it once at
the edge (CLI) with `Settings.from_env()` and pass it down explicitly.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Mapping

PREFIX = "CLUETRAIN_"


class SettingsError(ValueError):
    """A CLUETRAIN_* variable has a value we cannot use."""


# name -> (default, description). The README table is generated from this.
SETTINGS_DOC: dict[str, tuple[str, str]] = {
    "broker": ("", "Kafka bootstrap URL (`kafka://host:port`). Empty: start the embedded Tansu broker."),
    "broker_profile": ("auto", "`local` applies the Tansu workarounds, `kafka` targets Apache Kafka; `auto`: local when the broker is embedded."),
    "clickhouse": ("./cluetrain-data", "ClickHouse target: a directory (embedded chdb) or `clickhouse://user:pass@host:port/db`."),
    "log_dir": ("./cluetrain-data/logs", "Where the embedded broker and worker write their logs."),
    "database": ("cluetrain", "ClickHouse database (a URL's path overrides it)."),
    "partitions": ("4", "Partitions of the input topics (key = brand)."),
    "app_id": ("cluetrain", "Application id = consumer group (and prefix of the state changelog topic)."),
    "engine": ("bulk", "Worker engine: `bulk` (confluent-kafka batch loop, the fast path) or `faust` (a Faust agent and table)."),
    "workers": ("1", "Worker processes that `cluetrain run` starts (at most one per core and per partition)."),
    "topic_mentions": ("mentions", "Topic of mentions."),
    "topic_replies": ("replies", "Topic of replies."),
    "topic_alerts": ("alerts", "Topic of alerts."),
    "topic_dead_letters": ("dead_letters", "Topic of dead letters."),
    "allowed_lateness_s": ("300", "Allowed lateness of the event-time watermark, seconds."),
    "default_sla_s": ("3600", "Default answer SLA per brand, seconds."),
    "brand_sla": ("", "Per-brand SLA overrides, `brand=seconds,brand=seconds`."),
    "sla_warning_fraction": ("0.75", "Early warning when a turn is still unanswered at this fraction of its SLA (0 = off)."),
    "alert_min_volume": ("10", "Brand alerts need at least this many judged turns / customer messages in the hour."),
    "rate_drop_below": ("0.5", "reply_rate_drop fires when the 60-min SLA compliance falls below this..."),
    "rate_drop_resolve": ("0.7", "...and resolves when it is back at this or above (hysteresis)."),
    "negativity_min_share": ("0.2", "negativity_spike: share of negative customer messages in the last hour, at least..."),
    "negativity_ratio": ("2.0", "...and at least this many times the share of the 12 hours before."),
    "brand_alerts": ("", "Per-brand overrides of the five settings above: `brand:name=value;name=value,brand:...`, e.g. `delta:rate_drop_below=0.6;alert_min_volume=20`."),
    "tick_interval_s": ("60", "The source sends a clock tick to every partition each time its event-time clock advances this much..."),
    "tick_min_events": ("1000", "...and at least this many events were sent since the last tick (replays of sparse history stay light)."),
    "max_text_bytes": ("100000", "Texts larger than this (UTF-8 bytes) go to dead letters."),
    "max_future_s": ("86400", "Events dated more than this after the stream clock go to dead letters."),
    "sink_batch_size": ("5000", "Rows buffered per ClickHouse table before a write."),
    "sink_flush_interval_s": ("1.0", "Longest time rows wait in the sink buffer, seconds."),
    "sink_retries": ("5", "Attempts of a failing ClickHouse write before the worker stops."),
    "commit_interval_s": ("1.0", "Faust engine: commit interval, seconds (offsets are committed after the sink flush; the bulk engine commits after every batch)."),
    "session_timeout_s": ("10", "Consumer group session timeout, seconds (Faust's 60 s makes a join slow)."),
    "log_level": ("warning", "Log level of the worker."),
    "webhook_url": ("", "Webhook (Slack-compatible JSON) that `cluetrain alerts` posts each alert and resolution to. Empty: print only."),
    "webhook_secret": ("", "Shared secret of the HMAC-SHA256 body signature (`X-Cluetrain-Signature`); required with a webhook URL."),
    "webhook_max_attempts": ("6", "Attempts of a webhook delivery (retries with back-off) before it goes to dead letters."),
    "webhook_timeout_s": ("5.0", "Timeout of one webhook request, seconds."),
}


def _parse_brand_sla(raw: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        brand, sep, seconds = part.partition("=")
        if not sep or not brand.strip():
            raise SettingsError(f"CLUETRAIN_BRAND_SLA: expected brand=seconds, got {part!r}")
        out[brand.strip().lower()] = _positive_int("brand_sla", seconds)
    return out


BRAND_ALERT_SETTINGS = ("alert_min_volume", "rate_drop_below", "rate_drop_resolve", "negativity_min_share",
                        "negativity_ratio")


def _parse_brand_alerts(raw: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        brand, sep, assignments = part.partition(":")
        if not sep or not brand.strip():
            raise SettingsError(f"CLUETRAIN_BRAND_ALERTS: expected brand:name=value;..., got {part!r}")
        rules = out.setdefault(brand.strip().lower(), {})
        for assignment in filter(None, (a.strip() for a in assignments.split(";"))):
            name, sep, value = assignment.partition("=")
            if not sep or name.strip() not in BRAND_ALERT_SETTINGS:
                raise SettingsError(f"CLUETRAIN_BRAND_ALERTS: unknown setting in {assignment!r} "
                                    f"(one of {', '.join(BRAND_ALERT_SETTINGS)})")
            rules[name.strip()] = _positive_float("brand_alerts", value)
    return out


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise SettingsError(f"{PREFIX}{name.upper()}: expected an integer, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{PREFIX}{name.upper()}: must be > 0, got {value}")
    return value


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise SettingsError(f"{PREFIX}{name.upper()}: expected a number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{PREFIX}{name.upper()}: must be > 0, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    broker: str = ""
    broker_profile: str = "auto"
    clickhouse: str = "./cluetrain-data"
    log_dir: str = "./cluetrain-data/logs"
    database: str = "cluetrain"
    partitions: int = 4
    app_id: str = "cluetrain"
    engine: str = "bulk"
    workers: int = 1
    topic_mentions: str = "mentions"
    topic_replies: str = "replies"
    topic_alerts: str = "alerts"
    topic_dead_letters: str = "dead_letters"
    allowed_lateness_s: int = 300
    default_sla_s: int = 3600
    brand_sla: Mapping[str, int] = field(default_factory=dict)
    sla_warning_fraction: float = 0.75
    alert_min_volume: int = 10
    rate_drop_below: float = 0.5
    rate_drop_resolve: float = 0.7
    negativity_min_share: float = 0.2
    negativity_ratio: float = 2.0
    brand_alerts: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    tick_interval_s: int = 60
    tick_min_events: int = 1000
    max_text_bytes: int = 100_000
    max_future_s: int = 86_400
    sink_batch_size: int = 5000
    sink_flush_interval_s: float = 1.0
    sink_retries: int = 5
    commit_interval_s: float = 1.0
    session_timeout_s: int = 10
    log_level: str = "warning"
    webhook_url: str = field(default="", repr=False)  # may be a credential (Slack)
    webhook_secret: str = field(default="", repr=False)
    webhook_max_attempts: int = 6
    webhook_timeout_s: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.broker_profile not in ("auto", "local", "kafka"):
            raise SettingsError(f"{PREFIX}BROKER_PROFILE: expected auto, local or kafka, got {self.broker_profile!r}")
        if self.engine not in ("bulk", "faust"):
            raise SettingsError(f"{PREFIX}ENGINE: expected bulk or faust, got {self.engine!r}")
        if self.workers > self.partitions:
            raise SettingsError(f"{PREFIX}WORKERS: {self.workers} workers for {self.partitions} partitions would leave some idle")
        if self.workers > 1 and self.embedded_clickhouse:
            raise SettingsError(f"{PREFIX}WORKERS: {self.workers} workers need a ClickHouse server "
                                f"({PREFIX}CLICKHOUSE=clickhouse://...): embedded chdb allows one process per directory")
        if not 0 < self.rate_drop_below <= self.rate_drop_resolve <= 1:
            raise SettingsError(f"{PREFIX}RATE_DROP_BELOW must be in (0, {PREFIX}RATE_DROP_RESOLVE] and that <= 1")
        if self.allowed_lateness_s < 0:
            raise SettingsError(f"{PREFIX}ALLOWED_LATENESS_S: must be >= 0")

    def to_env(self) -> dict[str, str]:
        """The CLUETRAIN_* variables that rebuild these settings in a child process."""
        env = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "brand_sla":
                value = ",".join(f"{b}={s}" for b, s in sorted(value.items()))
            elif f.name == "brand_alerts":
                value = ",".join(f"{b}:" + ";".join(f"{k}={v}" for k, v in sorted(r.items()))
                                 for b, r in sorted(value.items()))
            env[PREFIX + f.name.upper()] = str(value)
        return env

    @property
    def embedded_clickhouse(self) -> bool:
        return not self.clickhouse.startswith("clickhouse://")

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)

    def brand_alert_rules(self, brand: str | None = None):
        """The brand-level alert thresholds, with the brand's overrides if any."""
        from cluetrain.domain.brand_alerts import BrandAlertRules

        values = {name: getattr(self, name) for name in BRAND_ALERT_SETTINGS}
        values.update(self.brand_alerts.get(brand, {}) if brand else {})
        return BrandAlertRules(min_volume=int(values["alert_min_volume"]), rate_low=values["rate_drop_below"],
                               rate_high=values["rate_drop_resolve"], min_share=values["negativity_min_share"],
                               ratio=values["negativity_ratio"])

    def sla_for(self, brand: str) -> int:
        return self.brand_sla.get(brand, self.default_sla_s)

    @property
    def input_topics(self) -> tuple[str, str]:
        return (self.topic_mentions, self.topic_replies)

    @property
    def all_topics(self) -> tuple[str, ...]:
        return (self.topic_mentions, self.topic_replies, self.topic_alerts, self.topic_dead_letters)

    @property
    def local_broker(self) -> bool:
        """True when the Tansu workarounds apply (embedded or declared local)."""
        if self.broker_profile == "auto":
            return not self.broker
        return self.broker_profile == "local"


def _convert(name: str, type_name: object, raw: str) -> object:
    kind = str(type_name)
    if name == "brand_sla":
        return _parse_brand_sla(raw)
    if name == "brand_alerts":
        return _parse_brand_alerts(raw)
    if name == "sla_warning_fraction":
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{PREFIX}SLA_WARNING_FRACTION: expected a number, got {raw!r}") from None
        if not 0 <= value < 1:
            raise SettingsError(f"{PREFIX}SLA_WARNING_FRACTION: must be in [0, 1), got {value}")
        return value
    if name == "allowed_lateness_s":
        value = _positive_int(name, raw) if raw.strip() != "0" else 0
        return value
    if kind == "int":
        return _positive_int(name, raw)
    if kind == "float":
        return _positive_float(name, raw)
    return raw.strip()


def markdown_table() -> str:
    """The README's configuration table (tests check the README holds exactly this)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, (default, doc) in SETTINGS_DOC.items():
        lines.append(f"| `{PREFIX}{name.upper()}` | `{default}` | {doc} |" if default else
                     f"| `{PREFIX}{name.upper()}` | (empty) | {doc} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
