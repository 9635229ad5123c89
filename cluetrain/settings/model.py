"""The frozen Settings object and the declaration of every setting.

Each field of Settings is one setting, declared once by `setting(default, type, doc)`:
its variable is CLUETRAIN_<NAME>, its type parses, checks and formats it, and the README
table is generated from these declarations (`python -m cluetrain.settings`). Build it
once at the edge (CLI) with `Settings.from_env()` and pass it down explicitly. Every way
of building one (from_env, Settings(...), replace) checks each value and then the
combinations (`validate`); unknown CLUETRAIN_* variables are an error.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import os
from dataclasses import dataclass
from typing import Any, Mapping

from cluetrain.settings.types import (BadValue, BrandOverrides, BrandValues, BrokerUrl, Choice, Number,
                                      SettingsError, Text)

PREFIX = "CLUETRAIN_"

# CLUETRAIN_* variables read on purpose outside Settings: never rejected as unknown.
NOT_SETTINGS = {
    "CLUETRAIN_DEBUG": "cli/main.py reads it before any setting is parsed, so that a settings error "
                       "can show its traceback too",
    "CLUETRAIN_BENCH_SNAPSHOT": "bench/snapshot.py: tells the harness it runs from a snapshot of the tree",
    "CLUETRAIN_BENCH_CWD": "bench/snapshot.py: the working directory of that re-executed harness",
    "CLUETRAIN_CLICKHOUSE_HOST": "deploy/grafana: Grafana's provisioning reads it (the server's host), not cluetrain",
    "CLUETRAIN_BI_PASSWORD": "deploy/grafana: Grafana's provisioning reads it (the BI user's password), not cluetrain",
}

POSITIVE_INT = Number(int)
POSITIVE = Number(float)
FRACTION = Number(float, high=1)  # (0, 1]
# Under the 4 MiB message.max.bytes of the worker's producer (kafka/config.py), with room
# for the dead letter's other fields.
DEAD_LETTER_PAYLOAD_LIMIT = 3 * 1024 * 1024


@dataclass(frozen=True)
class Declaration:
    name: str
    type: Any  # one of settings.types
    doc: str
    default: Any
    secret: bool = False  # never shown in repr (the value may be a credential)
    brand_rule: str | None = None  # the BrandAlertRules field it sets; overridable per brand

    @property
    def env_name(self) -> str:
        return PREFIX + self.name.upper()

    def parse(self, raw: str) -> Any:
        try:
            return self.type.parse(raw)
        except BadValue as exc:
            raise SettingsError(f"{self.env_name}: {exc}") from None

    def check(self, value: Any) -> None:
        try:
            self.type.check(value)
        except BadValue as exc:
            raise SettingsError(f"{self.env_name}: {exc}") from None


def setting(default: Any, type_: Any, doc: str, *, secret: bool = False, brand_rule: str | None = None):
    """One setting: a Settings field whose metadata is the rest of its declaration."""
    metadata = {"setting": dict(type=type_, doc=doc, secret=secret, brand_rule=brand_rule)}
    if isinstance(default, dict):
        return dataclasses.field(default_factory=dict, repr=not secret, metadata=metadata)
    return dataclasses.field(default=default, repr=not secret, metadata=metadata)


def _brand_rule_types() -> dict[str, Number]:
    return {d.name: d.type for d in declarations() if d.brand_rule}


@dataclass(frozen=True)
class Settings:
    broker: str = setting("", BrokerUrl(), "Kafka bootstrap URL (`kafka://host:port`). Empty: start the embedded Tansu broker.")
    broker_profile: str = setting(
        "auto", Choice(("auto", "local", "kafka")),
        "`local` applies the Tansu workarounds, `kafka` targets Apache Kafka; `auto`: local when the broker is embedded.")
    clickhouse: str = setting(
        "./cluetrain-data", Text(),
        "ClickHouse target: a directory (embedded chdb) or `clickhouse://user:pass@host:port/db`.")
    log_dir: str = setting("./cluetrain-data/logs", Text(), "Where the embedded broker and worker write their logs.")
    database: str = setting("cluetrain", Text(), "ClickHouse database (a URL's path overrides it).")
    partitions: int = setting(4, POSITIVE_INT, "Partitions of the input topics (key = brand).")
    app_id: str = setting("cluetrain", Text(),
                          "Application id = consumer group (and prefix of the state changelog topic).")
    engine: str = setting(
        "bulk", Choice(("bulk", "faust")),
        "Worker engine: `bulk` (confluent-kafka batch loop, the fast path) or `faust` (a Faust agent and table).")
    workers: int = setting(
        1, POSITIVE_INT, "Worker processes that `cluetrain run` starts (at most one per core and per partition).")
    topic_mentions: str = setting("mentions", Text(), "Topic of mentions.")
    topic_replies: str = setting("replies", Text(), "Topic of replies.")
    topic_alerts: str = setting("alerts", Text(), "Topic of alerts.")
    topic_dead_letters: str = setting("dead_letters", Text(), "Topic of dead letters.")
    allowed_lateness_s: int = setting(300, Number(int, low_allowed=True),
                                      "Allowed lateness of the event-time watermark, seconds.")
    default_sla_s: int = setting(3600, POSITIVE_INT, "Default answer SLA per brand, seconds.")
    brand_sla: Mapping[str, int] = setting(
        {}, BrandValues(POSITIVE_INT, "seconds"), "Per-brand SLA overrides, `brand=seconds,brand=seconds`.")
    sla_warning_fraction: float = setting(
        0.75, Number(float, low_allowed=True, high=1, high_allowed=False),
        "Early warning when a turn is still unanswered at this fraction of its SLA (0 = off).")
    policies: str = setting(
        "", Text(), "SLA policy file (TOML, DESIGN.md § SLA policies): per brand a timezone, business hours, "
        "holidays, first/next reply targets and priority rules. Empty: 24/7 with the SLAs above.")
    alert_min_volume: int = setting(
        10, POSITIVE_INT, "Brand alerts need at least this many judged turns / customer messages in the hour.",
        brand_rule="min_volume")
    rate_drop_below: float = setting(
        0.5, FRACTION, "reply_rate_drop fires when the 60-min SLA compliance falls below this...",
        brand_rule="rate_low")
    rate_drop_resolve: float = setting(
        0.7, FRACTION, "...and resolves when it is back at this or above (hysteresis).", brand_rule="rate_high")
    negativity_min_share: float = setting(
        0.2, POSITIVE, "negativity_spike: share of negative customer messages in the last hour, at least...",
        brand_rule="min_share")
    negativity_ratio: float = setting(
        2.0, POSITIVE, "...and at least this many times the share of the 12 hours before.", brand_rule="ratio")
    brand_alerts: Mapping[str, Mapping[str, float]] = setting(
        {}, BrandOverrides(_brand_rule_types),
        "Per-brand overrides of the five settings above: `brand:name=value;name=value,brand:...`, "
        "e.g. `delta:rate_drop_below=0.6;alert_min_volume=20`.")
    tick_interval_s: int = setting(
        60, POSITIVE_INT,
        "The source sends a clock tick to every partition each time its event-time clock advances this much...")
    tick_min_events: int = setting(
        1000, POSITIVE_INT,
        "...and at least this many events were sent since the last tick (replays of sparse history stay light).")
    max_text_bytes: int = setting(100_000, POSITIVE_INT, "Texts larger than this (UTF-8 bytes) go to dead letters.")
    max_future_s: int = setting(86_400, POSITIVE_INT,
                                "Events dated more than this after the stream clock go to dead letters.")
    max_past_s: int = setting(
        30 * 86_400, Number(int, low_allowed=True),
        "Events dated more than this before the stream clock go to dead letters (0 = off): a month of "
        "backfill passes, a zero or 1971 timestamp does not.")
    dead_letter_payload_bytes: int = setting(
        256 * 1024, Number(int, high=DEAD_LETTER_PAYLOAD_LIMIT),
        "Dead letters keep at most this many bytes of a payload (with its full size and sha256), "
        "so that every dead letter fits on its topic.")
    conversation_retention_s: int = setting(
        604_800, Number(int, low_allowed=True),
        "A conversation idle this long in event time (and with no open turn still to breach) leaves the worker's "
        "memory for an on-disk archive until its next event; results are unchanged. 0: keep all in memory.")
    sink_batch_size: int = setting(5000, POSITIVE_INT, "Largest batch of input records a worker processes and writes to ClickHouse at once.")
    sink_flush_interval_s: float = setting(1.0, POSITIVE, "Faust engine: longest wait for a batch to fill, seconds (the bulk engine waits at most 0.2 s).")
    sink_outage_s: int = setting(
        0, Number(int, low_allowed=True),
        "How long a worker retries a failing ClickHouse write (input paused, back-off 0.2 s doubling to 5 s) "
        "before it exits with code 3; 0 = until ClickHouse is back.")
    commit_interval_s: float = setting(
        1.0, POSITIVE, "Faust engine: commit interval, seconds (offsets are committed after the sink flush; "
        "the bulk engine commits after every batch).")
    state_interval_s: float = setting(
        0.0, Number(float, low_allowed=True),
        "Bulk engine: longest time between two saves of the state (each changed conversation once, then the "
        "meta with the offsets); rows and alerts are still written after every batch, and a crash redoes at "
        "most this much input. 0 = save after every batch (5 s measured 0.69 instead of 0.77 state records "
        "per event and no clear gain: bench/RESULTS.md).")
    session_timeout_s: int = setting(
        10, POSITIVE_INT, "Consumer group session timeout, seconds (Faust's 60 s makes a join slow).")
    log_level: str = setting("warning", Text(), "Log level of the worker.")
    webhook_url: str = setting(  # a Slack webhook URL is a credential
        "", Text("URL", prefixes=("http://", "https://")),
        "Webhook (Slack-compatible JSON) that `cluetrain alerts` posts each alert and resolution to. "
        "Empty: print only.", secret=True)
    webhook_secret: str = setting(
        "", Text(), "Shared secret of the HMAC-SHA256 body signature (`X-Cluetrain-Signature`); "
        "required with a webhook URL.", secret=True)
    webhook_max_attempts: int = setting(
        6, POSITIVE_INT, "Attempts of a webhook delivery (retries with back-off) before it goes to dead letters.")
    webhook_timeout_s: float = setting(5.0, POSITIVE, "Timeout of one webhook request, seconds.")
    webhook_min_severity: str = setting(
        "low", Choice(("low", "medium", "high", "critical")),
        "Alerts (and their resolutions) at this severity or above go to the webhook and, unless "
        "`cluetrain alerts --min-severity` says otherwise, to the printed lines...")
    webhook_priorities: str = setting(
        "", Text(), "...and so do those of turns with one of these priorities (`vip,urgent`), whatever "
        "their severity (DESIGN.md § Alert routes and digests).")
    webhook_digest_min: int = setting(
        0, Number(int, low_allowed=True),
        "Digest mode: per brand, one webhook message every N minutes of event time (turns breached, "
        "alerts by kind, resolutions, the worst alerts with their links) instead of one per alert; 0 = off.")
    conversation_url: str = setting(
        "", Text("URL", prefixes=("http://", "https://")),
        "Link template of an alert's conversation, with `{brand}`, `{conversation_id}`, `{turn_index}`, "
        "e.g. `https://bsky.app/profile/{brand}/post/{conversation_id}`; empty: no link.")
    sql_user: str = setting(
        "default", Text(), "User of the embedded store's read-only SQL endpoint (`cluetrain dashboard`, "
        "`cluetrain run --dashboard`), for BI tools and ClickHouse drivers.")
    sql_password: str = setting(
        "", Text(), "Its password; empty: no password, allowed only on a loopback --host.", secret=True)
    sql_password_file: str = setting(
        "", Text(), "A file whose first line is that password (wins over CLUETRAIN_SQL_PASSWORD).")
    live_accounts: str = setting(
        "", Text(), "TOML file of the brands' Bluesky and Mastodon accounts and their employees' "
        "(`cluetrain ingest --source`; README.md, Live sources).")
    live_state_dir: str = setting(
        "./cluetrain-data/live", Text(), "Where the live connectors keep their cursor and the posts they sent (SQLite).")
    live_retries: int = setting(
        10, Number(int, low_allowed=True),
        "Failed connection attempts in a row before a live connector gives up (0 = retry forever).")
    jetstream_url: str = setting(
        "wss://jetstream2.us-east.bsky.network/subscribe", Text("URL", prefixes=("ws://", "wss://")),
        "Bluesky Jetstream endpoint.")
    bluesky_api: str = setting(
        "https://public.api.bsky.app", Text("URL", prefixes=("http://", "https://")),
        "Bluesky public API: resolves the accounts' handles, and answers follower counts.")
    bluesky_followers: str = setting(
        "off", Choice(("off", "on")), "`on`: fetch authors' follower counts from the public profile API (cached).")
    bluesky_profile_rate: float = setting(5.0, POSITIVE, "Most profile lookups per second.")
    mastodon_url: str = setting(
        "", Text("URL", prefixes=("http://", "https://")), "Mastodon server, e.g. `https://mastodon.social`.")
    mastodon_stream: str = setting(
        "public", Text(),
        "`public`, `public:local`, `hashtag:<tag>` or `notifications` (the token's account's mentions).")
    mastodon_token: str = setting(
        "", Text(), "Mastodon access token (needed by `notifications`, and by servers that close public streams).",
        secret=True)
    http_token: str = setting(
        "", Text(), "Bearer token that `cluetrain ingest --http` requires of every request.", secret=True)
    http_max_body_bytes: int = setting(
        10_000_000, POSITIVE_INT, "Largest request body of the HTTP endpoint (larger: 413).")
    http_max_pending: int = setting(
        50_000, POSITIVE_INT, "Records awaiting the broker's acknowledgement above which the HTTP endpoint answers 429.")
    http_ack_timeout_s: float = setting(
        10.0, POSITIVE, "Longest wait of a request for the broker's acknowledgement (then 503, retry safe).")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Settings from CLUETRAIN_* variables (default: os.environ); overrides that are
        not None (command-line flags) win over them."""
        env = os.environ if env is None else env
        reject_unknown(env)
        values = {d.name: d.parse(env[d.env_name]) for d in declarations() if d.env_name in env}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Each value against its type, then the combinations: the one place for both."""
        for d in declarations():
            d.check(getattr(self, d.name))
        if self.workers > self.partitions:
            raise SettingsError(f"{PREFIX}WORKERS: {self.workers} workers for {self.partitions} partitions "
                                "would leave some idle")
        if self.workers > 1 and self.embedded_clickhouse:
            raise SettingsError(f"{PREFIX}WORKERS: {self.workers} workers need a ClickHouse server "
                                f"({PREFIX}CLICKHOUSE=clickhouse://...): embedded chdb allows one process per directory")
        for brand in (None, *self.brand_alerts):
            below, resolve = (self._brand_value(brand, n) for n in ("rate_drop_below", "rate_drop_resolve"))
            if below > resolve:
                where = f"{PREFIX}BRAND_ALERTS: {brand}: " if brand else ""
                raise SettingsError(f"{where}{PREFIX}RATE_DROP_BELOW ({below}) must be <= "
                                    f"{PREFIX}RATE_DROP_RESOLVE ({resolve}): it resolves at or above that")
        if self.policies:
            self.sla_policies()  # a bad policy file is an error at start-up, not mid-stream
        if self.webhook_url and not self.webhook_secret:
            raise SettingsError(f"{PREFIX}WEBHOOK_SECRET: required when {PREFIX}WEBHOOK_URL is set "
                                "(the body is signed with it)")

    def _brand_value(self, brand: str | None, name: str) -> Any:
        return self.brand_alerts.get(brand, {}).get(name, getattr(self, name))

    def to_env(self) -> dict[str, str]:
        """The CLUETRAIN_* variables that rebuild these settings in a child process."""
        return {d.env_name: d.type.format(getattr(self, d.name)) for d in declarations()}

    @property
    def embedded_clickhouse(self) -> bool:
        return not self.clickhouse.startswith("clickhouse://")

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)

    def brand_alert_rules(self, brand: str | None = None):
        """The brand-level alert thresholds, with the brand's overrides if any."""
        # imported here: only the commands that fold conversations load the domain
        from cluetrain.domain.brand_alerts import BrandAlertRules

        return BrandAlertRules(**{d.brand_rule: self._brand_value(brand, d.name)
                                  for d in declarations() if d.brand_rule})

    def sla_for(self, brand: str) -> int:
        return self.brand_sla.get(brand, self.default_sla_s)

    def sla_policies(self):
        """Each brand's SLA policy (domain/policy.py): from CLUETRAIN_POLICIES, whose
        left-out targets are `sla_for(brand)`; without a file, 24/7 with `sla_for(brand)`."""
        from cluetrain.domain.policy import Policies, PolicyTable
        from cluetrain.settings.policies import load_policies

        default, brands = load_policies(self.policies) if self.policies else (PolicyTable(), {})
        return Policies(default, brands, lambda brand: self.sla_for(brand) * 1000)

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


@functools.cache
def declarations() -> tuple[Declaration, ...]:
    """Every setting, in the order of the Settings fields (and of the README table)."""
    return tuple(Declaration(f.name, default=f.default_factory() if f.default is dataclasses.MISSING else f.default,
                             **f.metadata["setting"]) for f in dataclasses.fields(Settings))


def reject_unknown(env: Mapping[str, str]) -> None:
    """A CLUETRAIN_* name that is no setting is a typo until proven otherwise."""
    known = [d.env_name for d in declarations()] + list(NOT_SETTINGS)
    unknown = sorted(name for name in env if name.startswith(PREFIX) and name not in known)
    if unknown:
        raise SettingsError("; ".join(f"unknown setting {name}{_suggestion(name, known)}" for name in unknown))


def _suggestion(name: str, known: list[str]) -> str:
    # compared without the prefix, which every name shares and which would make all alike
    close = difflib.get_close_matches(name[len(PREFIX):], [k[len(PREFIX):] for k in known], n=1)
    return f" (did you mean {PREFIX}{close[0]}?)" if close else " (the settings are listed in README.md, Configuration)"
