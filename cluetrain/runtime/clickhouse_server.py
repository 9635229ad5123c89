"""A throw-away ClickHouse server (Debian's clickhouse-server 18.16) for the tests
and the bench, like the embedded Tansu broker in cluetrain/kafka/.

Runs the binary as a plain child process with a config written to a temp dir:
free ports chosen at start, every path under the temp dir, logs there, listening
on 127.0.0.1 only, time zone UTC unless told otherwise. stop() terminates it (kill after a timeout) and
removes the directory; on Linux the server also dies with the process that started
it (PR_SET_PDEATHSIG), so a killed test run leaves no orphan.

    with ClickHouseServer() as server:
        open_backend(server.url)
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CANDIDATES = ("/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server")

CONFIG = """<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>{dir}/log/server.log</log>
        <errorlog>{dir}/log/server.err.log</errorlog>
        <size>100M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>{tcp_port}</tcp_port>
    <http_port>{http_port}</http_port>
    <interserver_http_port>{interserver_port}</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <path>{dir}/data/</path>
    <tmp_path>{dir}/tmp/</tmp_path>
    <user_files_path>{dir}/user_files/</user_files_path>
    <format_schema_path>{dir}/format_schemas/</format_schema_path>
    <users_config>{dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>{timezone}</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <mlock_executable>false</mlock_executable>
</yandex>
"""

USERS = """<?xml version="1.0"?>
<yandex>
    <!-- poll_interval: an idle connection notices a shutdown within 1 s (default 10). -->
    <profiles><default><max_memory_usage>4000000000</max_memory_usage><poll_interval>1</poll_interval></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default></default></quotas>
</yandex>
"""


class ClickHouseServerError(RuntimeError):
    pass


def find_binary() -> list[str] | None:
    """The command that starts a server: $CLICKHOUSE_SERVER_BIN, clickhouse-server
    (PATH, /usr/sbin, /usr/bin) or the `clickhouse server` multi-binary."""
    explicit = os.environ.get("CLICKHOUSE_SERVER_BIN")
    if explicit:
        return [explicit] if os.access(explicit, os.X_OK) else None
    found = shutil.which("clickhouse-server")
    if found:
        return [found]
    for candidate in CANDIDATES:
        if os.access(candidate, os.X_OK):
            return [candidate]
    multi = shutil.which("clickhouse")
    return [multi, "server"] if multi else None


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class ClickHouseServer:
    def __init__(self, command: list[str] | None = None, *, startup_timeout: float = 30.0,
                 stop_timeout: float = 15.0, keep_dir: bool = False, timezone: str = "UTC",
                 users_d: dict[str, str] | None = None):
        self.command = command or find_binary()
        if not self.command:
            raise ClickHouseServerError("clickhouse-server binary not found")
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.keep_dir = keep_dir
        self.timezone = timezone
        self.users_d = dict(users_d or {})  # file name -> XML, installed in users.d/
        self.host = "127.0.0.1"
        self.tcp_port = self.http_port = self.interserver_port = 0
        self.dir: Path | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return self.url_for("cluetrain")

    def url_for(self, database: str) -> str:
        return f"clickhouse://default:@{self.host}:{self.tcp_port}/{database}"

    # ------------------------------------------------------------ lifecycle

    def start(self, attempts: int = 3) -> "ClickHouseServer":
        self.dir = Path(tempfile.mkdtemp(prefix="cluetrain-clickhouse-"))
        atexit.register(self.stop)
        last = ""
        for _ in range(attempts):  # a port taken between choice and bind: try others
            try:
                self._start_once()
                return self
            except ClickHouseServerError as exc:
                last = str(exc)
                self._terminate()
        self.stop()
        raise ClickHouseServerError(last)

    def _start_once(self) -> None:
        assert self.dir is not None
        self.tcp_port, self.http_port, self.interserver_port = _free_ports(3)
        for sub in ("log", "data", "tmp", "user_files", "format_schemas"):
            (self.dir / sub).mkdir(exist_ok=True)
        (self.dir / "users.xml").write_text(USERS)
        if self.users_d:
            (self.dir / "users.d").mkdir(exist_ok=True)
            for name, xml in self.users_d.items():
                (self.dir / "users.d" / name).write_text(xml)
        config = self.dir / "config.xml"
        config.write_text(CONFIG.format(
            dir=self.dir, tcp_port=self.tcp_port, http_port=self.http_port,
            interserver_port=self.interserver_port, timezone=self.timezone,
        ))
        self._launch()

    def _launch(self) -> None:
        with open(self.dir / "log" / "stdout.log", "ab") as out:
            self.process = subprocess.Popen(
                [*self.command, f"--config-file={self.dir / 'config.xml'}"],
                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        self._wait_ready()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the server (fault tests: SIGKILL, SIGSTOP, SIGCONT); after a
        SIGKILL, restart() brings it back on the same ports and data."""
        assert self.process is not None
        self.process.send_signal(sig)
        if sig == signal.SIGKILL:
            self.process.wait(10)

    def restart(self) -> "ClickHouseServer":
        """Start the server again on the same ports, config and data directory."""
        self._terminate()
        self._launch()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = f"http://{self.host}:{self.http_port}/ping"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ClickHouseServerError(
                    f"clickhouse-server exited with code {self.process.returncode}: {self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.read().strip() == b"Ok.":
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise ClickHouseServerError(
            f"clickhouse-server did not answer within {self.startup_timeout} s: {self.log_tail()}"
        )

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def stop(self) -> None:
        self._terminate()
        if self.dir is not None and not self.keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        atexit.unregister(self.stop)

    def log_tail(self, lines: int = 15) -> str:
        if self.dir is None:
            return ""
        chunks = []
        for name in ("stdout.log", "server.err.log"):
            path = self.dir / "log" / name
            if path.exists():
                chunks.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return " | ".join(chunks)

    def __enter__(self) -> "ClickHouseServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":  # manual use: python -m cluetrain.runtime.clickhouse_server
    with ClickHouseServer() as server:
        print(server.url, flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
