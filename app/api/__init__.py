"""pgrec's HTTP API (Litestar). ``create_app()`` builds it; ``pgrec serve`` runs it."""

from app.api.app import create_app

__all__ = ["create_app"]
