"""A bad or unreachable broker or ClickHouse: the command fails within 5 s with one line,
the exit code of runtime/exit_codes.py (2 usage, 3 ClickHouse, 4 broker) and no password
in it. Real processes, the real embedded broker and a real clickhouse-server 18.16 (with a
user whose password is known, to grep for it)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from cluetrain.runtime import exit_codes
from cluetrain.runtime.clickhouse_server import ClickHouseServer, find_binary
from cluetrain.runtime.processes import free_port

BOUND_S = 5.0
PASSWORD = "S3cr3tPW"
WRITER = f"""<?xml version="1.0"?><yandex><users><writer><password>{PASSWORD}</password>
<networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></writer></users></yandex>"""


@pytest.fixture(scope="module")
def server():
    if find_binary() is None:
        pytest.skip("clickhouse-server binary not found")
    with ClickHouseServer(users_d={"writer.xml": WRITER}) as s:
        yield s


@pytest.fixture
def events(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"not": "an event"}\n')
    return path


@pytest.fixture(scope="module")
def silent_port():
    """A port that accepts connections and never answers (a host lost behind a firewall
    that lets the SYN through, or a hung server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for s in accepted:
        s.close()
    listener.close()


def cluetrain(tmp_path, *args: str) -> tuple[int, float, str]:
    env = {**os.environ, "CLUETRAIN_LOG_DIR": str(tmp_path / "logs"), "CLUETRAIN_CLICKHOUSE": str(tmp_path / "chdb")}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "cluetrain", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    return done.returncode, time.monotonic() - started, done.stdout + done.stderr


def assert_fails_fast(result: tuple[int, float, str], code: int, says: str, *, before_anything: bool = False) -> None:
    """`before_anything`: the command failed before it started a broker, a worker or a replay."""
    returncode, elapsed, output = result
    assert not (before_anything and "replayed" in output), output
    print(f"exit {returncode} in {elapsed:.2f} s: {output.strip()}")
    lines = [line for line in output.splitlines() if line.strip() and not line.startswith("replayed ")]
    assert returncode == code, output
    assert elapsed < BOUND_S, f"{elapsed:.2f} s: {output}"
    assert len(lines) == 1 and lines[0].startswith("cluetrain: error: ") and says in lines[0], output
    assert PASSWORD not in output and "Traceback" not in output and "%3|" not in output


def test_a_broker_url_that_is_not_one_is_a_usage_error(tmp_path, events):
    for command in (["run", "--input", str(events)], ["worker"], ["replay", str(events)], ["ingest", str(events)]):
        assert_fails_fast(cluetrain(tmp_path, *command, "--broker", "notaurl"), exit_codes.USAGE,
                          "CLUETRAIN_BROKER: expected kafka://host:port")


def test_a_broker_port_where_nothing_listens(tmp_path, events):
    broker = f"kafka://127.0.0.1:{free_port()}"
    for command in (["run", "--input", str(events)], ["worker"], ["replay", str(events)], ["ingest", str(events)],
                    ["alerts"]):
        assert_fails_fast(cluetrain(tmp_path, *command, "--broker", broker), exit_codes.BROKER,
                          "cannot reach the Kafka broker")


def url(port: int, password: str = PASSWORD, host: str = "127.0.0.1") -> str:
    return f"clickhouse://writer:{password}@{host}:{port}/cluetrain"


@pytest.mark.parametrize("command", ["query", "run"])
def test_clickhouse_failures_are_one_line_within_5_s(tmp_path, events, server, silent_port, command):
    args = ["query", "SELECT 1"] if command == "query" else ["run", "--input", str(events)]
    cases = [
        (url(server.http_port), "it answers HTTP: that is ClickHouse's HTTP port"),  # hung for 300 s before
        (url(server.tcp_port, "wrong"), "Wrong password for user writer"),
        (url(free_port()), "Connection refused"),
        (url(silent_port), "cannot connect to ClickHouse"),  # a host that never answers
        (url(9000, host="nohost.invalid"), "cannot connect to ClickHouse at nohost.invalid:9000"),
    ]
    for target, says in cases:
        assert_fails_fast(cluetrain(tmp_path, *args, "--clickhouse", target), exit_codes.CLICKHOUSE, says,
                          before_anything=True)
    malformed = [  # a setting to fix: exit code 2, the URL shown with its password masked
        (f"clickhouse://writer:{PASSWORD}@127.0.0.1:99999/cluetrain", "invalid port in ClickHouse URL 'clickhouse://writer:***@"),
        (f"http://writer:{PASSWORD}@127.0.0.1:{server.http_port}/cluetrain", "unsupported ClickHouse URL 'http://writer:***@"),
    ]
    for target, says in malformed:
        assert_fails_fast(cluetrain(tmp_path, *args, "--clickhouse", target), exit_codes.USAGE, says,
                          before_anything=True)
    assert not (tmp_path / "http:").exists()  # once a directory named after the URL, password included


def test_the_password_is_never_printed_nor_logged(tmp_path, server):
    """`cluetrain run` into a server whose URL carries the password, the worker logging at
    debug level under CLUETRAIN_LOG_DIR, then its errors: every byte of output and every
    log file is grepped for the password."""
    from cluetrain.sources.generate import generate
    from cluetrain.sources.jsonl import write_jsonl

    events = tmp_path / "events.jsonl"
    write_jsonl(generate(3, 2_000), events)
    target = url(server.tcp_port).replace("/cluetrain", "/secrets_test")
    env = {**os.environ, "CLUETRAIN_LOG_DIR": str(tmp_path / "logs"), "CLUETRAIN_LOG_LEVEL": "debug"}
    outputs = []
    for args in (["run", "--input", str(events), "--clickhouse", target],
                 ["report", "--clickhouse", target],
                 ["query", "SELECT count() FROM turns", "--clickhouse", target],
                 ["query", "SELECT nonsense(", "--clickhouse", target],
                 ["query", "SELECT 1", "--clickhouse", target.replace(f":{server.tcp_port}/", ":99999/")]):
        done = subprocess.run([sys.executable, "-m", "cluetrain", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)
        outputs.append((args[0], done.returncode, done.stdout + done.stderr))
    (_, run_code, run_output), *_ = outputs
    assert run_code == 0, run_output
    assert f"Results are in ClickHouse ({url(server.tcp_port, '***')[:-len('/cluetrain')]}/secrets_test" in run_output
    assert [code for _, code, _ in outputs] == [0, 0, 0, exit_codes.CLICKHOUSE, exit_codes.USAGE], outputs
    logs = {p.name: p.read_text(errors="replace") for p in (tmp_path / "logs").glob("*.log")}
    assert "worker.log" in logs and len(logs["worker.log"]) > 1000  # a debug log that says a lot
    everything = "".join(out for _, _, out in outputs) + "".join(logs.values())
    assert PASSWORD not in everything
    assert "writer:***@" in everything  # where a URL is shown, it is shown masked
