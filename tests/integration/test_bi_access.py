"""BI access with real clients: `cluetrain query` on both backends, the embedded store's
SQL endpoint during a live `cluetrain run --dashboard` (clickhouse-connect, Superset's
driver, and curl), and the users of deploy/clickhouse/users.d on Debian's 18.16.
"""
from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import clickhouse_connect
import pyarrow.parquet as pq
import pytest

from cluetrain.runtime.clickhouse_server import ClickHouseServer, find_binary
from cluetrain.runtime.processes import free_port
from cluetrain.sinks.backends import open_backend
from cluetrain.sinks.migrate import apply_migrations, list_migrations
from cluetrain.sources.generate import generate
from cluetrain.sources.jsonl import write_jsonl

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
USERS_D = REPO / "deploy" / "clickhouse" / "users.d" / "cluetrain.xml"
MIGRATIONS = len(list_migrations())
INSERT_LINE = re.compile(r"^(?P<at>\S+ \S+) DEBUG cluetrain\.sinks\.chdb_backend: inserted (?P<rows>\d+) rows into (?P<table>\w+)$")


def cli(*args, cwd: Path, env=None, timeout=120, **kwargs):
    env = dict(os.environ, CLUETRAIN_LOG_DIR=str(cwd / "logs"), **(env or {}))
    return subprocess.run([sys.executable, "-m", "cluetrain", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=timeout, **kwargs)


def migrate(target: str) -> None:
    """As the pipeline's user, in a child process (chdb: one process per directory)."""
    code = ("import sys; from cluetrain.sinks.backends import open_backend; "
            "from cluetrain.sinks.migrate import apply_migrations\n"
            "with open_backend(sys.argv[1]) as b: apply_migrations(b, b.database)")
    subprocess.run([sys.executable, "-c", code, target], check=True, timeout=120)


# ----------------------------------------------------------------- cluetrain query


def test_query_resolves_unqualified_names_in_every_format(clickhouse_target, tmp_path):
    migrate(clickhouse_target)
    sql = "SELECT version, name FROM schema_migrations ORDER BY version LIMIT 2"
    first, second = (v for v, _, _ in list_migrations()[:2])
    names = [n for _, n, _ in list_migrations()[:2]]

    def query(*args):
        done = cli("query", *args, "--clickhouse", clickhouse_target, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert query("SELECT count() FROM schema_migrations", "--format", "tsv").decode() == f"count()\n{MIGRATIONS}\n"
    assert names[0] in query(sql).decode()  # the default: a table
    assert query(sql, "--format", "csv").decode() == f'"version","name"\n{first},"{names[0]}"\n{second},"{names[1]}"\n'
    assert query(sql + " FORMAT CSV").decode() == f'{first},"{names[0]}"\n{second},"{names[1]}"\n'
    rows = [json.loads(line) for line in query(sql, "--format", "JSONEachRow").decode().splitlines()]
    assert rows == [{"version": first, "name": names[0]}, {"version": second, "name": names[1]}]
    table = pq.read_table(io.BytesIO(query(sql, "--format", "Parquet")))
    assert table.column("name").to_pylist() == names


def test_query_is_read_only_unless_write(clickhouse_target, tmp_path):
    migrate(clickhouse_target)
    for sql in ("CREATE TABLE extra (x UInt8) ENGINE = Memory",
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'x', now())",
                "ALTER TABLE schema_migrations DELETE WHERE 1",
                "DROP TABLE schema_migrations"):
        done = cli("query", sql, "--clickhouse", clickhouse_target, cwd=tmp_path, text=True)
        assert done.returncode != 0, sql
        assert "Code: 164" in done.stderr and "--write" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    done = cli("query", "SELECT count() FROM schema_migrations", "--format", "tsv", "--clickhouse",
               clickhouse_target, cwd=tmp_path, text=True)
    assert done.stdout == f"count()\n{MIGRATIONS}\n"
    done = cli("query", "--write", "CREATE TABLE extra (x UInt8) ENGINE = Memory",
               "--clickhouse", clickhouse_target, cwd=tmp_path, text=True)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------- the embedded store, served live


def _wait_for_client(port: int, password: str, proc: subprocess.Popen, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "cluetrain run exited before serving"
        try:
            return clickhouse_connect.get_client(host="127.0.0.1", port=port, username="analyst",
                                                 password=password, database="cluetrain")
        except clickhouse_connect.driver.exceptions.Error:
            time.sleep(0.2)
    raise AssertionError(f"no SQL endpoint on port {port} within {timeout} s")


def _curl(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-s", "-S", "-i", *args], capture_output=True, text=True, timeout=30)


def visibility_lags(worker_log: Path, polls: list[tuple[float, int]]) -> list[float]:
    """Seconds from each insert into mentions (the worker's debug line, after the insert
    returned) to the first poll that saw its rows: the write-to-visible delay, bounded by
    the poll interval (50 ms) and a query's round trip."""
    lags, written = [], 0
    for line in worker_log.read_text(errors="replace").splitlines():
        match = INSERT_LINE.match(line)
        if not match or match.group("table") != "mentions":
            continue
        written += int(match.group("rows"))
        at = datetime.datetime.strptime(match.group("at"), "%Y-%m-%d %H:%M:%S,%f").timestamp()
        seen = next((t for t, count in polls if count >= written and t >= at - 0.01), None)
        if seen is not None and polls[0][0] <= at:  # inserts before the first poll prove nothing
            lags.append(seen - at)
    return lags


def test_live_run_serves_the_embedded_store_to_clickhouse_connect_and_curl(tmp_path):
    events = generate(3, 4000)  # one day of event time, replayed in ~20 s
    write_jsonl(events, tmp_path / "events.jsonl")
    mentions = sum(1 for e in events if e["kind"] == "mention")
    password = "pw-" + secrets.token_hex(8)
    port, sql_port = free_port(), free_port()
    env = dict(os.environ, CLUETRAIN_LOG_DIR=str(tmp_path / "logs"), CLUETRAIN_SQL_USER="analyst",
               CLUETRAIN_SQL_PASSWORD=password, CLUETRAIN_LOG_LEVEL="debug")  # the worker logs each insert
    proc = subprocess.Popen(
        [sys.executable, "-m", "cluetrain", "run", "--input", str(tmp_path / "events.jsonl"), "--speed", "4000",
         "--clickhouse", str(tmp_path / "data"), "--dashboard", "--port", str(port), "--sql-port", str(sql_port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        client = _wait_for_client(sql_port, password, proc)
        polls = []  # (wall time, rows visible)
        while proc.poll() is None and (not polls or polls[-1][1] < mentions):
            count = client.query("SELECT count() FROM mentions").result_rows[0][0]
            polls.append((time.time(), count))
            time.sleep(0.05)
        assert polls[-1][1] == mentions, polls[-20:]
        lags = visibility_lags(tmp_path / "logs" / "worker.log", polls)
        assert len(lags) >= 5, "the run ended before rows could be watched arriving"
        assert max(lags) <= 2.0, sorted(lags)[-5:]

        # while the run serves after the end, with the same credentials
        assert client.query("SELECT count() FROM mentions").result_rows == [(mentions,)]
        with pytest.raises(clickhouse_connect.driver.exceptions.DatabaseError, match="Code: 164"):
            client.command("DROP TABLE mentions")
        with pytest.raises(clickhouse_connect.driver.exceptions.DatabaseError, match="Code: 164"):
            client.command("SET readonly = 0")
        base = f"http://127.0.0.1:{sql_port}/"
        assert _curl(base + "ping").stdout.endswith("Ok.\n")
        answer = _curl("-u", f"analyst:{password}", "--data-binary", "SELECT count() FROM mentions FORMAT CSV", base)
        assert answer.stdout.endswith(f"\n{mentions}\n")
        refused = _curl("-u", f"analyst:{password}", "--data-binary", "INSERT INTO mentions (brand) VALUES ('x')",
                        base + "?database=cluetrain")
        assert refused.stdout.startswith("HTTP/1.0 500")
        assert "X-ClickHouse-Exception-Code: 164" in refused.stdout and "Code: 164. DB::Exception:" in refused.stdout
        wrong = _curl("-u", "analyst:wrong", base + "?query=SELECT+1")
        assert wrong.stdout.startswith("HTTP/1.0 403") and "X-ClickHouse-Exception-Code: 516" in wrong.stdout
        page = _curl(f"http://127.0.0.1:{port}/")
        assert page.stdout.startswith("HTTP/1.0 401")  # the dashboard has the endpoint's credentials
        page = _curl("-u", f"analyst:{password}", f"http://127.0.0.1:{port}/")
        assert page.stdout.startswith("HTTP/1.0 200"), page.stdout[:200]
        assert client.query("SELECT count() FROM mentions").result_rows == [(mentions,)]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert "Serving until interrupted" in out and f"{len(events):,} events replayed" in out
    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "logs").glob("*.log"))
    assert password not in out + err + logs


# ------------------------------------------------------ the users of deploy/clickhouse


@pytest.fixture(scope="module")
def users_server():
    if find_binary() is None:
        pytest.skip("clickhouse-server binary not found")
    passwords = {"writer": "w-" + secrets.token_hex(8), "bi": "b-" + secrets.token_hex(8)}
    xml = USERS_D.read_text()
    for user, password in passwords.items():
        xml = xml.replace(f"REPLACE_WITH_SHA256_OF_THE_{user.upper()}_PASSWORD",
                          hashlib.sha256(password.encode()).hexdigest())
    server = ClickHouseServer(users_d={"cluetrain.xml": xml}).start()
    try:
        with open_backend(_url(server, "writer", passwords["writer"])) as writer:
            apply_migrations(writer, writer.database)  # a fresh server: the writer creates the database
        yield server, passwords
    finally:
        server.stop()


def _url(server, user, password):
    return f"clickhouse://cluetrain_{user}:{password}@127.0.0.1:{server.tcp_port}/cluetrain"


def test_the_pipeline_user_migrates_and_the_bi_user_reads_without_ddl(users_server, tmp_path):
    server, passwords = users_server
    bi = _url(server, "bi", passwords["bi"])
    outputs = []

    def run(*args, ok=True):
        done = cli(*args, "--clickhouse", bi, cwd=tmp_path, text=True)
        outputs.append(done.stdout + done.stderr)
        assert (done.returncode == 0) == ok, done.stderr
        return done

    assert run("query", "SELECT count() FROM schema_migrations", "--format", "tsv").stdout == \
        f"count()\n{MIGRATIONS}\n"
    run("report")
    refused = run("query", "--write", "DROP TABLE turns", ok=False)
    assert "Code: 164" in refused.stderr
    denied = run("query", "SELECT count() FROM system.one, default.nothing", ok=False)
    assert "Code: 291" in denied.stderr  # limited to the cluetrain database

    port = free_port()
    env = dict(os.environ, CLUETRAIN_LOG_DIR=str(tmp_path / "logs"))
    proc = subprocess.Popen([sys.executable, "-m", "cluetrain", "dashboard", "--clickhouse", bi, "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the dashboard did not serve"
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    outputs.append(out + err)
    assert passwords["bi"] not in "".join(outputs)


def test_clickhouse_connect_cannot_connect_to_18_16_but_its_http_interface_answers(users_server):
    """Documented in README § Reading the results with a BI tool: clickhouse-connect reads
    system.settings.readonly, a column 18.16 does not have."""
    server, passwords = users_server
    with pytest.raises(clickhouse_connect.driver.exceptions.DatabaseError, match="Unknown identifier: readonly"):
        clickhouse_connect.get_client(host="127.0.0.1", port=server.http_port, username="cluetrain_bi",
                                      password=passwords["bi"], database="cluetrain")
    answer = _curl("-u", f"cluetrain_bi:{passwords['bi']}", "--data-binary",
                   "SELECT count() FROM schema_migrations FORMAT CSV",
                   f"http://127.0.0.1:{server.http_port}/?database=cluetrain")
    assert answer.stdout.endswith(f"\n{MIGRATIONS}\n")
