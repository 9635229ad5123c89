"""`cluetrain worker`: one worker process in the foreground (SIGTERM/SIGINT stop it cleanly)."""
from __future__ import annotations

import signal

from cluetrain.settings import Settings


def run_worker(settings: Settings) -> int:
    if settings.engine == "bulk":
        from cluetrain.engines.bulk import run_bulk_worker

        return run_bulk_worker(settings)
    return run_faust_worker(settings)


def run_faust_worker(settings: Settings) -> int:
    from faust import Worker

    from cluetrain.engines.faust_app import create_app
    from cluetrain.runtime import exit_codes, processes

    class InterruptibleWorker(Worker):
        """Ctrl-C: Faust's clean stop, bounded like the bulk worker's (exit code 130)."""
        interrupted = False

        def _on_sigint(self) -> None:
            if not self.interrupted:
                self.interrupted = True
                processes.exit_soon(exit_codes.INTERRUPTED)
            self._schedule_shutdown(signal.SIGINT)

    app = create_app(settings, settings.broker)
    worker = InterruptibleWorker(app, loglevel=settings.log_level, quiet=True)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return exit_codes.INTERRUPTED if worker.interrupted else int(exc.code or 0)
    return exit_codes.INTERRUPTED if worker.interrupted else 0
