"""`cluetrain ingest --source bluesky|mastodon` and `--http HOST:PORT`: one LiveSource (the
wall clock and its ticks, as `ingest` of a file), fed by a connector until interrupted."""
from __future__ import annotations

import sys

from cluetrain.settings import Settings
from cluetrain.sources.live import LiveSource

SOURCES = ("bluesky", "mastodon")


def run_live(settings: Settings, *, source: str | None = None, http: str | None = None, log=sys.stderr) -> int:
    with LiveSource(settings, settings.broker) as live:
        live.start_ticking()
        if http is not None:
            from cluetrain.sources.http_ingest import serve

            serve(settings, live, http, log=log)
        elif source == "bluesky":
            from cluetrain.sources.bluesky import JetstreamConnector

            JetstreamConnector(settings, live, log=log).run()
        elif source == "mastodon":
            from cluetrain.sources.mastodon import MastodonConnector

            MastodonConnector(settings, live, log=log).run()
        else:
            raise ValueError(f"unknown live source {source!r} (one of {', '.join(SOURCES)})")
    return 0
