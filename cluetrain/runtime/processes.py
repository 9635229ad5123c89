"""Child processes that die with their parent, free ports, and a data-dir lock."""
from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from cluetrain.runtime import exit_codes

_PR_SET_PDEATHSIG = 1


class ProcessError(RuntimeError):
    """A child process could not start, failed, or a resource is taken (one-line message).
    `exit_code`: what the command exits with (runtime/exit_codes.py)."""

    def __init__(self, message: str, *, exit_code: int = exit_codes.ERROR):
        super().__init__(message)
        self.exit_code = exit_code


class BrokerError(ProcessError):
    """The Kafka broker is unreachable or was lost (exit code 4)."""

    def __init__(self, message: str):
        super().__init__(message, exit_code=exit_codes.BROKER)


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM when the parent dies, even by SIGKILL: no orphans.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def spawn(cmd: list[str], *, log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A child in its own process group: a terminal's Ctrl-C (SIGINT to the foreground
    group) reaches only us, and we stop the children in order (workers, then the broker
    they write to) instead of each dying on its own in the middle of the others' work."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, preexec_fn=_die_with_parent, process_group=0,
        )
    finally:
        log.close()


def stop(proc: subprocess.Popen, *, timeout: float = 20.0, sig: int = signal.SIGTERM) -> int:
    """`sig` (SIGTERM: a clean stop), then SIGKILL after `timeout`; returns the exit code."""
    return stop_all([proc], timeout=timeout, sig=sig)[0]


def stop_all(procs: list[subprocess.Popen], *, timeout: float, sig: int = signal.SIGTERM) -> list[int]:
    """stop() for several at once: each gets `sig`, and SIGKILL once `timeout` has passed."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(sig)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return [proc.returncode for proc in procs]


# Ctrl-C: how long a child may take to stop before it is killed. The whole command must
# end within 2 s of the keypress; a worker is crash-safe (it resumes from its saved
# state), so one still finishing a batch is killed rather than waited for.
INTERRUPT_GRACE_S = 0.5
# A process interrupted itself (`cluetrain worker` in a terminal) ends this long after the
# keypress if its clean stop has not (a batch still being written): see exit_soon.
SELF_INTERRUPT_GRACE_S = 1.2


def exit_soon(code: int, *, after_s: float = SELF_INTERRUPT_GRACE_S) -> None:
    """End this process with `code` after `after_s` unless it has ended by then (Ctrl-C:
    the clean stop gets that long; the state saved last is where a restart resumes, as
    after a crash)."""
    import logging
    import sys
    import threading

    def end() -> None:
        logging.getLogger("cluetrain").warning("interrupted: stopping now, the batch in progress will be "
                                               "processed again")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(after_s, end)
    timer.daemon = True
    timer.start()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise ProcessError(f"port {port} on {host} is already in use") from None


def wait_for_port(host: str, port: int, *, timeout: float, proc: subprocess.Popen | None = None,
                  what: str = "service") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ProcessError(f"{what} exited with code {proc.returncode} before listening on {host}:{port}")
        try:
            socket.create_connection((host, port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise ProcessError(f"{what} did not listen on {host}:{port} within {timeout:.0f} s")


class DirLock:
    """An exclusive lock on a data directory: two runs must not share one embedded ClickHouse."""

    def __init__(self, directory: Path):
        self.path = Path(directory) / ".cluetrain.lock"
        self._fd: int | None = None

    def __enter__(self) -> "DirLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ProcessError(f"data directory {self.path.parent} is in use by another cluetrain process") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
