"""`cluetrain worker`: one worker process in the foreground (SIGTERM/SIGINT stop it cleanly)."""
from __future__ import annotations

from cluetrain.settings import Settings


def run_worker(settings: Settings) -> int:
    if settings.engine == "bulk":
        from cluetrain.engines.bulk import run_bulk_worker

        return run_bulk_worker(settings)
    return run_faust_worker(settings)


def run_faust_worker(settings: Settings) -> int:
    from faust import Worker

    from cluetrain.engines.faust_app import create_app

    app = create_app(settings, settings.broker)
    worker = Worker(app, loglevel=settings.log_level, quiet=True)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
