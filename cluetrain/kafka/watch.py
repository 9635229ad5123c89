"""BrokerWatch: notices at once that the broker is gone, whatever librdkafka is doing.

A thread holds one idle TCP connection to each bootstrap address. When the broker
process dies, the connection ends (EOF or reset) within milliseconds; the watch then
tries to connect again. Nobody answering, or any end on the local profile (a restarted
Tansu has lost every topic: its state is not ours any more), means the broker is lost:
`on_lost(reason)` is called on the watch's thread.

Why not librdkafka's own signals: after the broker dies, its consumer may block in
consume() and report nothing, and once it reconnects to a restarted Tansu (same port,
topics re-created) librdkafka 2.12 crashes in its main thread (SIGSEGV in the metadata
cache, DESIGN.md § Broker faults). The watch sees the end of the connection first.
"""
from __future__ import annotations

import select
import socket
import threading
from typing import Callable

from cluetrain.kafka.config import bootstrap_servers


def bootstrap_addresses(broker_url: str) -> list[tuple[str, int]]:
    addresses = []
    for entry in bootstrap_servers(broker_url).split(","):
        host, _, port = entry.strip().rpartition(":")
        addresses.append((host.strip("[]"), int(port)))
    return addresses


class BrokerWatch:
    def __init__(self, broker_url: str, on_lost: Callable[[str], None], *, any_end_is_loss: bool,
                 connect_timeout_s: float = 2.0):
        """`any_end_is_loss`: the local profile (Tansu, memory storage)."""
        self.broker_url = broker_url
        self.on_lost = on_lost
        self.any_end_is_loss = any_end_is_loss
        self.connect_timeout_s = connect_timeout_s
        self._stop = threading.Event()
        self._open: dict[socket.socket, tuple[str, int]] = {}
        self._thread = threading.Thread(target=self._run, name="broker-watch", daemon=True)

    def start(self) -> "BrokerWatch":
        for address in bootstrap_addresses(self.broker_url):
            self._watch(address)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for s in self._open:
            s.close()
        self._open.clear()

    def _watch(self, address: tuple[str, int]) -> bool:
        try:
            self._open[socket.create_connection(address, self.connect_timeout_s)] = address
            return True
        except OSError:
            return False

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._open:
                self.on_lost(f"no bootstrap address of {self.broker_url} answers")
                return
            readable, _, _ = select.select(list(self._open), [], [], 0.5)
            for s in readable:  # a broker never writes to a client that sent nothing: this is the end
                host, port = self._open.pop(s)
                s.close()
                if self.any_end_is_loss:
                    self.on_lost(f"the embedded broker at {host}:{port} went away (its topics were in memory)")
                    return
                self._watch((host, port))  # an idle connection closed, or a broker restarted: look again
