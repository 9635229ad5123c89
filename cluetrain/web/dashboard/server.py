"""A threaded HTTP server for the WSGI app (standard library only): the page, its
polls and a drill-down are served at once."""
from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # one line per poll would flood the terminal
        pass


def serve(app, host: str = "127.0.0.1", port: int = 8080, *, background: bool = False):
    """Serve `app` at http://host:port/ (port 0: any free port, see server.server_port).
    background=True returns the running server (stop it with server.shutdown()); else
    it serves until interrupted."""
    server = make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    if background:
        threading.Thread(target=server.serve_forever, name="dashboard-http", daemon=True).start()
        return server
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return server
