"""What every peer shares: the command line the harness calls it with, and what it
does to a record before counting it (the worker's header parse, header_values, and
decoder, codec.decode_event: fastavro + full validation), so that the peers differ
only in their framework."""
from __future__ import annotations

import argparse

from cluetrain.codec import wire as codec
from cluetrain.codec.headers import header_values
from cluetrain.domain.events import Event
from cluetrain.settings import Settings


class EventDecoder:
    def __init__(self):
        settings = Settings()
        self.max_future_s = settings.max_future_s
        self.max_text_bytes = settings.max_text_bytes

    def decode(self, kind: str, value: bytes | None, headers) -> Event | None:
        """The event of a record of the `kind` ("mention" or "reply") topic, None for a
        clock tick; raises BadEvent as the worker's decoder does."""
        clock, tick, _final, content_type = header_values(headers or ())
        if tick:
            return None
        return codec.decode_event(value or b"", topic_kind=kind, content_type=content_type, clock_ms=clock,
                                  max_future_s=self.max_future_s, max_text_bytes=self.max_text_bytes)


def peer_parser(events_flag: str = "--events") -> argparse.ArgumentParser:
    """The options every peer takes; `events_flag`: how many to count before it stops."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", required=True, help="HOST:PORT")
    ap.add_argument(events_flag, type=int, required=True)
    ap.add_argument("--out", required=True, help="the result JSON")
    ap.add_argument("--mentions", default="mentions")
    ap.add_argument("--replies", default="replies")
    return ap
