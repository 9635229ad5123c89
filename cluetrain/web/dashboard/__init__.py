"""The team lead's live dashboard (DESIGN.md § Dashboard): create_app(query) is the
WSGI application; serve() runs it on a threaded local HTTP server."""
from .app import create_app
from .server import serve

__all__ = ["create_app", "serve"]
