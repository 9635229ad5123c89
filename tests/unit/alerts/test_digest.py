"""Alert routes and digests (DESIGN.md § Alert routes and digests): what passes a route,
which window of event time a record lands in, when a window is sent, what a digest says
(ISO times, links), and that the notifier's offsets wait for the digest."""
from __future__ import annotations

import io
import json

import pytest

from cluetrain.alerts import render
from cluetrain.alerts.digest import Digester, Route, digest_lines
from cluetrain.alerts.follow import AlertHandler, Routes
from cluetrain.alerts.webhook import build_digest_payload, build_payload
from cluetrain.settings import Settings, SettingsError
from tests.unit.alerts.test_webhook import Script, notifier

MIN = 60_000
T0 = 1_767_607_200_000  # 2026-01-05T10:00:00Z
URL = "https://bsky.app/profile/{brand}/post/{conversation_id}?turn={turn_index}"


def alert(conv="c1", turn=0, kind="ignored_conversation", severity="high", fired=T0, resolved=None,
          brand="acme", priority=None) -> dict:
    suffix = "" if kind == "ignored_conversation" else ":" + kind.removeprefix("sla_")
    details = {"turn_index": turn}
    if priority:
        details["priority"] = priority
    return {"alert_id": f"{conv}:{turn}{suffix}", "kind": kind, "brand": brand, "conversation_id": conv,
            "severity": severity, "fired_at": fired, "resolved_at": resolved, "details": json.dumps(details)}


def v(**kw):
    return render.view(alert(**kw))


def test_a_route_takes_a_minimum_severity_or_a_priority():
    route = Route("high", frozenset({"vip"}))
    assert route.passes(v(severity="high")) and route.passes(v(severity="critical"))
    assert not route.passes(v(severity="medium"))
    assert route.passes(v(severity="low", priority="vip")) and not route.passes(v(severity="low", priority="angry"))
    assert Route().passes(v(severity="low"))  # the default lets everything through


def test_times_are_iso_and_the_link_opens_the_conversation():
    a = v(conv="at://did:plc:x/app.bsky.feed.post/3k", turn=2)
    assert render.utc(T0) == "2026-01-05T10:00:00Z"
    assert render.conversation_url(a, URL) == (
        "https://bsky.app/profile/acme/post/at%3A%2F%2Fdid%3Aplc%3Ax%2Fapp.bsky.feed.post%2F3k?turn=2")
    assert render.conversation_url(a, "") == ""
    line = render.follow_line(v(), render.conversation_url(v(), URL))
    assert line.startswith("2026-01-05T10:00:00Z  ignored_conversation  acme  conv c1:0  "
                           "https://bsky.app/profile/acme/post/c1?turn=0  severity high")
    fields = json.loads(build_payload(alert(), resolved=False, url_template=URL))["blocks"][1]["fields"]
    assert fields[3]["text"] == "*Conversation*\n<https://bsky.app/profile/acme/post/c1?turn=0|c1>"


def test_a_window_of_event_time_is_sent_once_a_record_is_past_it_by_the_grace():
    d = Digester(15, grace_ms=5 * MIN)
    assert d.add(v(conv="a", fired=T0 + 1 * MIN)) == []
    assert d.add(v(conv="b", fired=T0 + 14 * MIN, kind="sla_warning", severity="low")) == []
    assert d.add(v(conv="a", fired=T0 + 1 * MIN, resolved=T0 + 16 * MIN)) == []  # resolution: the next window
    assert d.add(v(conv="c", fired=T0 + 19 * MIN)) == []  # 15 + 5 not reached yet
    [first] = d.add(v(conv="d", fired=T0 + 20 * MIN, brand="other"))  # any brand's record moves the clock
    assert (first.brand, first.start_ms, first.end_ms) == ("acme", T0, T0 + 15 * MIN)
    assert first.breached == 1 and first.fired == {"ignored_conversation": 1, "sla_warning": 1} and first.resolved == 0
    assert [a.alert_id for a in first.top] == ["a:0", "b:0:warning"]
    # a record of a window already sent lands in the brand's next window
    d.add(v(conv="late", fired=T0 + 2 * MIN))
    rest = d.flush()
    assert [(x.brand, x.start_ms) for x in rest] == [("acme", T0 + 15 * MIN), ("other", T0 + 15 * MIN)]
    assert rest[0].breached == 2 and rest[0].resolved == 1 and d.flush() == []


def test_the_top_alerts_are_the_worst_then_the_earliest_and_the_lines_say_so():
    d = Digester(60, grace_ms=0)
    for i, severity in enumerate(["low", "critical", "medium", "high", "critical", "low", "high"]):
        d.add(v(conv=f"c{i}", fired=T0 + i * MIN, severity=severity))
    [digest] = d.flush()
    assert [a.alert_id for a in digest.top] == ["c1:0", "c4:0", "c3:0", "c6:0", "c2:0"]
    lines = digest_lines(digest, URL)
    assert lines[0] == ("2026-01-05T10:00:00Z/2026-01-05T11:00:00Z  digest  acme  7 turns breached  "
                        "7 alerts (ignored_conversation 7)  0 resolved")
    assert lines[1] == ("  1. critical  ignored_conversation  fired 2026-01-05T10:01:00Z  conv c1:0  "
                        "https://bsky.app/profile/acme/post/c1?turn=0")
    assert len(lines) == 6
    payload = json.loads(build_digest_payload(digest, URL))
    assert "<https://bsky.app/profile/acme/post/c1?turn=0|conv c1:0>" in payload["blocks"][2]["text"]["text"]
    assert payload["text"].startswith("🧾 cluetrain: 2026-01-05T10:00:00Z/")


def test_same_records_same_order_same_digests():
    records = [v(conv=f"c{i}", fired=T0 + (i * 7919 % 600) * MIN // 10, severity=("low", "high")[i % 2])
               for i in range(300)]

    def run():
        d = Digester(15, grace_ms=5 * MIN)
        out = [x for a in records for x in d.add(a)] + d.flush()
        return [(x.brand, x.start_ms, x.breached, [a.alert_id for a in x.top]) for x in out]

    assert run() == run() and sum(n for _, _, n, _ in run()) == 300


def test_the_printed_route_and_digest():
    out = io.StringIO()
    handler = AlertHandler(out, routes=Routes(printed=Route("high"), print_digest_min=0))
    assert handler.handle(alert(severity="low")).line == ""
    assert handler.handle(alert(conv="c2", severity="critical")).line.startswith("2026-01-05T10:00:00Z")
    assert out.getvalue().count("\n") == 1 and handler.messages == 1
    out = io.StringIO()
    handler = AlertHandler(out, routes=Routes(print_digest_min=15, grace_ms=0))
    for i in range(10):
        handler.handle(alert(conv=f"c{i}", fired=T0 + i * MIN))
    handler.handle(alert(conv="z", fired=T0 + 15 * MIN))
    assert handler.messages == 1 and out.getvalue().splitlines()[0].endswith("10 turns breached  "
                                                                             "10 alerts (ignored_conversation 10)  0 resolved")
    handler.flush()
    assert handler.messages == 2


def test_a_webhook_digest_holds_its_records_until_it_is_sent():
    script = Script(200)
    n, _ = notifier(script)
    handler = AlertHandler(io.StringIO(), n, routes=Routes(webhook=Route("medium"), webhook_digest_min=15, grace_ms=0))
    held = [handler.handle(alert(conv=f"c{i}", fired=T0 + i * MIN), source=("alerts", 0, i)) for i in range(3)]
    assert all(h.held and h.result is None for h in held) and script.calls == []
    assert not handler.handle(alert(conv="low", severity="low"), source=("alerts", 0, 3)).held  # not routed
    handler.handle(alert(conv="next", fired=T0 + 15 * MIN), source=("alerts", 0, 4))
    [(digest, result)] = handler.digests
    assert result.delivered and digest.sources == [("alerts", 0, 0), ("alerts", 0, 1), ("alerts", 0, 2)]
    [(_, _, headers, _)] = script.calls
    assert headers["Idempotency-Key"] == f"digest:acme:{T0 // 1000}"


def test_the_settings_of_the_routes():
    s = Settings.from_env({"CLUETRAIN_WEBHOOK_MIN_SEVERITY": "high", "CLUETRAIN_WEBHOOK_PRIORITIES": "vip, urgent",
                           "CLUETRAIN_WEBHOOK_DIGEST_MIN": "15", "CLUETRAIN_CONVERSATION_URL": URL})
    routes = Routes.from_settings(s)
    assert routes.webhook == routes.printed == Route("high", frozenset({"vip", "urgent"}))
    assert (routes.webhook_digest_min, routes.print_digest_min, routes.url_template) == (15, 15, URL)
    flags = Routes.from_settings(s, min_severity="low", priorities="", digest_min=0)
    assert flags.printed == Route("low") and flags.print_digest_min == 0 and flags.webhook.min_severity == "high"
    for env in ({"CLUETRAIN_WEBHOOK_MIN_SEVERITY": "urgent"}, {"CLUETRAIN_CONVERSATION_URL": "bsky.app/{conversation_id}"},
                {"CLUETRAIN_WEBHOOK_DIGEST_MIN": "-1"}):
        with pytest.raises(SettingsError):
            Settings.from_env(env)
