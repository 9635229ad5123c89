"""With a policy file, the streamed tables still equal the independent reference exactly
(tests/reference.py + tests/reference_policies.py): split shifts, a span past midnight,
a holiday, the DST nights of Europe/Paris, turns that start while closed, answers
exactly at the deadline and 1 ms after it, priorities, first vs next reply targets; on
1 and 4 partitions, shuffled within the lateness, and with a crash mid-stream."""
from __future__ import annotations

import random
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from cluetrain.domain.events import parse_rfc3339_ms
from cluetrain.settings import Settings
from cluetrain.sources.generate import generate
from tests.support.pipeline_driver import as_plain, consume, replay_to_memory
from tests.support.sla_policies import write_policy_file
from tests.unit.processing.test_oracle import assert_equal_to_reference, lines_of


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shifted(records: list[dict], start: str) -> list[dict]:
    """The generator's stream moved to start at `start` (UTC), same gaps."""
    delta = parse_rfc3339_ms(start) - min(parse_rfc3339_ms(r["created_at"]) for r in records)
    return [dict(r, created_at=iso(parse_rfc3339_ms(r["created_at"]) + delta)) for r in records]


def ev(kind, event_id, conv, t, role="customer", reply_to=None):
    return {"kind": kind, "event_id": event_id, "conversation_id": conv, "in_reply_to": reply_to, "brand": "acme",
            "author_id": "cust" if role == "customer" else "acme", "author_role": role, "author_followers": 10,
            "text": "hello?" if role == "customer" else "on it", "lang": "en", "created_at": t}


def paris(day: str, hhmm: str, ms: int = 0) -> str:
    """A Paris local time (one that exists once) as an RFC 3339 UTC instant."""
    local = datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZoneInfo("Europe/Paris"))
    return iso(int(local.timestamp() * 1000) + ms)


def edge_cases(day: str, next_day: str) -> list[dict]:
    """acme is open 09:00-10:00 Paris time; targets 30 min first, 10 min next. Opened at
    07:00 (closed), deadline 09:30: answered exactly then (in time) and 1 ms later
    (late); a next-reply turn opened at 09:55 runs 5 min today and 5 min the next day
    from 09:00, across the DST change: answered exactly at 09:05."""
    return [
        ev("mention", "x1", "x1", paris(day, "07:00")),
        ev("reply", "x1r", "x1", paris(day, "09:30"), role="brand", reply_to="x1"),
        ev("mention", "x2", "x2", paris(day, "07:00")),
        ev("reply", "x2r", "x2", paris(day, "09:30", ms=1), role="brand", reply_to="x2"),
        ev("mention", "x3", "x3", paris(day, "09:10")),
        ev("reply", "x3r", "x3", paris(day, "09:20"), role="brand", reply_to="x3"),
        ev("reply", "x3c", "x3", paris(day, "09:55"), reply_to="x3r"),
        ev("reply", "x3a", "x3", paris(next_day, "09:05"), role="brand", reply_to="x3c"),
    ]


def escalation_cases(day: str) -> list[dict]:
    """acme escalates at 1.5 x 30 min of business time: 09:45 for a turn opened at
    07:00; answered exactly then (not escalated), 1 ms later (escalated and resolved),
    never (escalated)."""
    return [
        ev("mention", "x4", "x4", paris(day, "07:00")),
        ev("reply", "x4r", "x4", paris(day, "09:45"), role="brand", reply_to="x4"),
        ev("mention", "x5", "x5", paris(day, "07:00")),
        ev("reply", "x5r", "x5", paris(day, "09:45", ms=1), role="brand", reply_to="x5"),
        ev("mention", "x6", "x6", paris(day, "07:00")),
    ]


# spring forward (Paris, 2026-03-29 02:00 -> 03:00) and fall back (2026-10-25 03:00 -> 02:00):
# (stream start, holiday, day, next day)
NIGHTS = {"spring": ("2026-03-28T10:00:00Z", "2026-03-29", "2026-03-28", "2026-03-29"),
          "fall": ("2026-10-24T10:00:00Z", "2026-10-25", "2026-10-24", "2026-10-25")}


def stream(tmp_path, night: str, seed: int, events: int = 3000, escalations: bool = False):
    start, holiday, day, next_day = NIGHTS[night]
    path = write_policy_file(tmp_path, holiday)
    extra = edge_cases(day, next_day) + (escalation_cases(day) if escalations else [])
    return path, merged(shifted(generate(seed, events), start), extra)


def merged(generated: list[dict], extra: list[dict]) -> list[dict]:
    """`extra` placed in time order among the generated records (in file order) so
    that each is on time: before the first generated record that is later."""
    out, pending = [], sorted(extra, key=lambda r: r["created_at"])
    for record in generated:
        while pending and pending[0]["created_at"] <= record["created_at"]:
            out.append(pending.pop(0))
        out.append(record)
    return out + pending


def settings_for(path: str, partitions: int) -> Settings:
    return Settings.from_env({"CLUETRAIN_POLICIES": path}, partitions=partitions)


def alerts_of(tables) -> dict:
    return {r["alert_id"]: as_plain(r) for r in tables.rows("alerts").values()}


def turns_of(tables) -> dict:
    return {k: as_plain(v) for k, v in tables.rows("turns").items()}


@pytest.mark.parametrize("night", ["spring", "fall"])
@pytest.mark.parametrize("partitions", [1, 4])
def test_streamed_tables_equal_the_reference_with_policies(tmp_path, night, partitions):
    path, records = stream(tmp_path, night, seed=partitions, escalations=True)
    settings = settings_for(path, partitions)
    tables = consume(settings, replay_to_memory(settings, lines_of(records), order="file"), seed=partitions)
    assert_equal_to_reference(tables, records, settings)
    turns = turns_of(tables)
    # the policies are really at work
    assert {"vip", "angry", "baggage", "card", "normal"} <= {t["priority"] for t in turns.values()}
    answered = [t for t in turns.values() if t["latency_s"] is not None]
    assert sum(t["business_latency_s"] < t["latency_s"] for t in answered) > 50
    teams = {(t["responder_id"], t["team"]) for t in turns.values() if t["brand"] == "skyhop_air"}
    assert ("skyhop_air/AB", "day") in teams and ("skyhop_air/JK", "night") in teams and ("skyhop_air/MR", "") in teams
    assert not {t["team"] for t in turns.values() if t["brand"] != "skyhop_air"} - {""}
    closed_starts = [t for t in turns.values() if t["deadline"] - t["started_at"] > 7200]
    assert len({t["brand"] for t in closed_starts}) >= 4
    acme = {k[1:]: t for k, t in turns.items() if k[0] == "acme"}
    assert acme[("x1", 0)]["status"] == "answered" and acme[("x1", 0)]["deadline"] == acme[("x1", 0)]["answered_at"]
    assert acme[("x1", 0)]["business_latency_s"] == 1800 and acme[("x1", 0)]["latency_s"] == 9000
    assert acme[("x2", 0)]["status"] == "answered_late"
    x3 = acme[("x3", 1)]  # next reply: 5 min today, 5 min the next day from 09:00 Paris
    assert iso(x3["deadline"] * 1000) == paris(NIGHTS[night][3], "09:05") == iso(x3["answered_at"] * 1000)
    assert x3["status"] == "answered" and x3["business_latency_s"] == 600
    alerts = alerts_of(tables)
    escalation = paris(NIGHTS[night][2], "09:45")
    assert "x4:0" in alerts and "x4:0:escalation" not in alerts and "x4:0:warning" not in alerts
    assert iso(alerts["x5:0:escalation"]["fired_at"] * 1000) == escalation
    assert alerts["x5:0:escalation"]["resolved_at"] == alerts["x5:0:escalation"]["fired_at"]  # whole seconds
    assert iso(alerts["x6:0:escalation"]["fired_at"] * 1000) == escalation and alerts["x6:0:escalation"]["resolved_at"] is None
    by_brand_kind = {(a["brand"], a["kind"]) for a in alerts.values()}
    assert {("skyhop_air", k) for k in ("sla_warning", "sla_escalation", "sla_critical")} <= by_brand_kind
    assert not {k for b, k in by_brand_kind if b == "freshmart"} - {"ignored_conversation", "reply_rate_drop",
                                                                    "negativity_spike"}
    critical = [a for a in alerts.values() if a["kind"] == "sla_critical"]
    assert critical and all(a["severity"] == "critical" for a in critical)


def test_shuffled_within_lateness_gives_the_same_tables(tmp_path):
    path, records = stream(tmp_path, "spring", seed=7)
    records.sort(key=lambda r: r["created_at"])
    rng = random.Random(7)
    keyed = [(parse_rfc3339_ms(r["created_at"]) + rng.randint(0, 200_000), i, r) for i, r in enumerate(records)]
    shuffled = [r for _, _, r in sorted(keyed)]
    settings = settings_for(path, 2)
    a = consume(settings, replay_to_memory(settings, lines_of(records), order="file"), seed=1)
    b = consume(settings, replay_to_memory(settings, lines_of(shuffled), order="file"), seed=2)
    for table in ("turns", "reciprocity_windows", "alerts"):
        assert {k: as_plain(v) for k, v in a.rows(table).items()} == {k: as_plain(v) for k, v in b.rows(table).items()}
    assert_equal_to_reference(b, shuffled, settings)


@pytest.mark.parametrize("crash_after", [3, 17])
def test_a_crash_in_the_middle_changes_nothing(tmp_path, crash_after):
    path, records = stream(tmp_path, "fall", seed=11)
    settings = settings_for(path, 2)
    broker = replay_to_memory(settings, lines_of(records), order="file")
    tables = consume(settings, broker, seed=crash_after, max_batch=80, crash_after=crash_after)
    assert_equal_to_reference(tables, records, settings)
