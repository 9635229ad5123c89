"""follow_alerts and `cluetrain alerts` against the real embedded broker (Tansu) and a
real local webhook server: print, deliver once per (alert, state), dead-letter, commit."""
from __future__ import annotations

import json
import io
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

from cluetrain.alerts.follow import follow_alerts
from cluetrain.alerts.webhook import WebhookNotifier
from cluetrain.settings import Settings
from cluetrain.codec import wire as codec
from cluetrain.kafka.admin import committed_offsets, ensure_topics
from cluetrain.kafka.config import bootstrap_servers
from cluetrain.kafka.tansu import EmbeddedBroker
from cluetrain.runtime.processes import ProcessError
from tests.integration.test_webhook_delivery import FIRED_MS, SECRET, HookServer, alert
from tests.support.paths import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    try:
        b = EmbeddedBroker(tmp_path_factory.mktemp("tansu")).start()
    except ProcessError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def settings(broker):
    """Fresh topics per test (the broker is shared by the module)."""
    tag = uuid.uuid4().hex[:8]
    s = Settings.from_env({}, broker=broker.url, partitions=2, topic_mentions=f"m_{tag}", topic_replies=f"r_{tag}",
                          topic_alerts=f"alerts_{tag}", topic_dead_letters=f"dl_{tag}")
    ensure_topics(s, broker.url)
    return s


def produce(settings: Settings, values: list[tuple[bytes, bytes]]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap_servers(settings.broker), linger_ms=0,
                             enable_idempotence=False)
    try:
        for key, value in values:  # one record per batch (Tansu's list-offsets quirk)
            producer.send(settings.topic_alerts, key=key, value=value).get(timeout=10)
    finally:
        producer.close()


def read_dead_letters(settings: Settings, expected: int) -> list[dict]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(settings.topic_dead_letters, bootstrap_servers=bootstrap_servers(settings.broker),
                             group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                             consumer_timeout_ms=3000)
    try:
        out = []
        for record in consumer:
            out.append(codec.decode_dead_letter(record.value))
            if len(out) == expected:
                break
        return out
    finally:
        consumer.close()


def test_the_notifier_delivers_once_per_state_dead_letters_failures_and_commits(settings):
    fired, resolved = alert(), alert(resolved_at=FIRED_MS + 1_753_000)
    rejected = alert("77:0", brand="delta", conversation_id="77")
    values = [(b"sprintcare", codec.encode_alert(fired)), (b"sprintcare", codec.encode_alert(fired)),
              (b"delta", codec.encode_alert(rejected)), (b"sprintcare", codec.encode_alert(resolved)),
              (b"sprintcare", b"not avro at all")]
    produce(settings, values)
    group = f"notifier-{uuid.uuid4().hex[:6]}"
    out, err = io.StringIO(), io.StringIO()
    with HookServer(fail_first=2, reject={"77:0:fired": 400}) as server:
        notifier = WebhookNotifier(server.url, SECRET, max_attempts=4, backoff_s=0.05, max_backoff_s=0.5)
        started = time.monotonic()
        result = follow_alerts(settings, settings.broker, out=out, err=err, stop_after=5, notifier=notifier,
                               group_id=group, max_idle_s=60)
        first_run_s = time.monotonic() - started
        # a restarted notifier (new process: empty dedup memory) resumes after the commits
        again = follow_alerts(settings, settings.broker, out=io.StringIO(), notifier=notifier, group_id=group,
                              max_idle_s=2)
    print(f"\nfirst run {first_run_s:.1f} s (group join included); requests {len(server.requests)}")
    assert result.records == 5 and result.duplicates == 1 and result.printed == 3 and result.bad == 1
    assert server.accepted == ["8:0:fired", "8:0:resolved"] and server.duplicates == 0
    assert [r.status for r in server.of("8:0:fired")] == [503, 503, 200]
    assert max(r.at for r in server.of("8:0:fired")) < min(r.at for r in server.of("8:0:resolved"))
    assert [r.status for r in server.of("77:0:fired")] == [400]  # not retried
    assert [d.idempotency_key for d in result.delivered] == ["8:0:fired", "8:0:resolved"]
    reasons = sorted(reason for _, reason in result.dead_letters)
    assert reasons[0].startswith("undecodable alert") and reasons[1] == "webhook: HTTP 400 no (not retried)"
    dead = {d["reason"]: d for d in read_dead_letters(settings, 2)}
    assert dead["webhook: HTTP 400 no (not retried)"]["payload"] == values[2][1]  # the alert, replayable
    assert dead["webhook: HTTP 400 no (not retried)"]["source_topic"] == settings.topic_alerts
    assert any(r.startswith("undecodable alert") for r in dead)
    offsets = committed_offsets(settings.broker, group)
    assert sum(offsets.values()) == 5  # every record committed once handled
    assert again.records == 0 and len(server.requests) == 7  # 3 + 1 + 3: nothing posted twice
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("2017-10-31T22:10:47Z  ignored_conversation  sprintcare  conv 8:0  severity high")
    assert len(lines) == 3 and lines[-1].endswith("severity high  resolved after 29m 13s (fired 2017-10-31T22:10:47Z)")
    assert "77:0:fired -> dead letter: webhook: HTTP 400" in err.getvalue()


def test_the_viewer_prints_without_a_group_or_commits(settings):
    produce(settings, [(b"sprintcare", codec.encode_alert(alert())),
                       (b"sprintcare", codec.encode_alert(alert(resolved_at=FIRED_MS + 60_000)))])
    out = io.StringIO()
    result = follow_alerts(settings, settings.broker, out=out, follow=False, max_idle_s=20)
    assert result.printed == 2 and result.delivered == [] and result.dead_letters == []
    assert out.getvalue().splitlines()[1].endswith("resolved after 1m (fired 2017-10-31T22:10:47Z)")


def test_cluetrain_alerts_follow_prints_live_and_stops_on_sigterm(settings):
    produce(settings, [(b"sprintcare", codec.encode_alert(alert()))])
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUETRAIN_")}
    env.update(settings.to_env())
    env.pop("CLUETRAIN_WEBHOOK_URL", None)
    once = subprocess.run([sys.executable, "-m", "cluetrain", "alerts"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert once.returncode == 0, once.stderr
    assert once.stdout.splitlines() == [
        "2017-10-31T22:10:47Z  ignored_conversation  sprintcare  conv 8:0  severity high  customer_messages=2 sla_s=3600"]
    assert "1 alerts and resolutions" in once.stderr

    proc = subprocess.Popen([sys.executable, "-m", "cluetrain", "alerts", "--follow"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()
    try:
        assert "conv 8:0" in lines.get(timeout=30)
        produce(settings, [(b"sprintcare", codec.encode_alert(alert(resolved_at=FIRED_MS + 60_000)))])
        live = lines.get(timeout=30)  # printed while the command keeps running
        assert "conv 8:0" in live and "resolved after 1m" in live
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    assert code == 0, proc.stderr.read()


def test_cluetrain_alerts_needs_a_broker():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUETRAIN_")}
    done = subprocess.run([sys.executable, "-m", "cluetrain", "alerts"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and done.stderr.strip().startswith("cluetrain: error: alerts needs --broker")


def test_a_webhook_digest_is_sent_once_and_its_records_stay_uncommitted_until_then(settings):
    """Digest mode (DESIGN.md § Alert routes and digests): the notifier killed before
    the window is sent commits none of its records; the next run sends the digest once."""
    values = [(b"sprintcare", codec.encode_alert(alert(f"{i}:0", conversation_id=str(i), fired_at=FIRED_MS + i * 1000)))
              for i in range(3)]
    produce(settings, values)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUETRAIN_")}
    with HookServer(fail_first=0) as server:
        env.update(settings.to_env(), CLUETRAIN_WEBHOOK_URL=server.url, CLUETRAIN_WEBHOOK_SECRET=SECRET,
                   CLUETRAIN_WEBHOOK_DIGEST_MIN="15", CLUETRAIN_CONVERSATION_URL="https://x.example/c/{conversation_id}")
        proc = subprocess.Popen([sys.executable, "-m", "cluetrain", "alerts", "--follow", "--digest", "0"], env=env,
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()
        try:
            printed = [lines.get(timeout=60) for _ in range(3)]  # printed one by one, digested for the webhook
            assert all("https://x.example/c/" in line for line in printed)
            time.sleep(1.0)
        finally:
            proc.kill()
            proc.wait(timeout=20)
        assert server.requests == []
        assert sum(committed_offsets(settings.broker, "cluetrain-notifier").values()) == 0
        done = subprocess.run([sys.executable, "-m", "cluetrain", "alerts"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        key = f"digest:sprintcare:{FIRED_MS // 900_000 * 900}"
        assert server.accepted == [key] and server.duplicates == 0
        body = json.loads(server.requests[0].body)
        assert "3 turns breached" in body["text"] and "<https://x.example/c/0|conv 0:0>" in json.dumps(body, ensure_ascii=False)
        assert "1 messages printed" in done.stderr
    assert sum(committed_offsets(settings.broker, "cluetrain-notifier").values()) == 3
