"""API keys: ``Authorization: Bearer <secret>``, verified by ``rec.authenticate`` in SQL.

The database keeps only a digest of each secret (``pgrec.api_keys``). The API remembers a
verified key for ``PGREC_API_KEY_CACHE_SECONDS`` so most requests cost no extra round trip;
a revoked key therefore stops working within that many seconds. Scopes: ``read`` (feeds,
search, status), ``write`` (upserts, events, preferences, onboarding answers, privacy
requests) and ``admin`` (operations). A missing or invalid key is 401, a key without the
scope an endpoint needs is 403.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.rate_limit import get_remote_address

from app.api.db import Database
from app.api.queries import AUTHENTICATE

SCOPES = ("read", "write", "admin")
KEY_NAME_KEY = "pgrec.key_name"
_SECRET = re.compile(r"^pgrec_([0-9a-f]{12})_[0-9a-f]{64}$")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pgrec"'}


@dataclass(frozen=True)
class Key:
    name: str
    scopes: frozenset[str]


class KeyVerifier:
    """Verifies secrets through the database, with a short-lived in-process cache."""

    MAX_ENTRIES = 10_000  # bounds memory when a client sprays random keys

    def __init__(self, database: Database, ttl: float) -> None:
        self.database = database
        self.ttl = ttl
        self._cache: dict[bytes, tuple[float, Key | None]] = {}
        self._lock = threading.Lock()

    def cached(self, secret: str) -> tuple[bool, Key | None]:
        """(hit, key) from the cache; a miss is (False, None)."""
        if self.ttl <= 0:
            return False, None
        digest = hashlib.sha256(secret.encode()).digest()
        entry = self._cache.get(digest)
        if entry and entry[0] > time.monotonic():
            return True, entry[1]
        return False, None

    def verify(self, secret: str) -> Key | None:
        """The key for this secret, or None (asks the database on a cache miss)."""
        hit, key = self.cached(secret)
        if hit:
            return key
        if not _SECRET.match(secret):
            return None
        rows = self.database.rows(AUTHENTICATE, {"secret": secret})
        key = Key(rows[0]["key_name"], frozenset(rows[0]["key_scopes"])) if rows else None
        if self.ttl > 0:
            with self._lock:
                if len(self._cache) >= self.MAX_ENTRIES:
                    self._cache.clear()
                self._cache[hashlib.sha256(secret.encode()).digest()] = (time.monotonic() + self.ttl, key)
        return key

    def forget(self) -> None:
        self._cache.clear()


def bearer_secret(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def requires(scope: str):
    """A guard: the request must carry a live key with ``scope`` (reads may be public)."""
    assert scope in SCOPES

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        state = connection.app.state
        if scope == "read" and state.settings.api_public_reads:
            return
        secret = bearer_secret(connection)
        if secret is None:
            raise NotAuthorizedException("an API key is required: send Authorization: Bearer <secret>",
                                         headers=_CHALLENGE)
        verifier: KeyVerifier = state.key_verifier
        hit, key = verifier.cached(secret)
        if not hit:
            key = await anyio.to_thread.run_sync(verifier.verify, secret)
        if key is None:
            raise NotAuthorizedException("invalid or revoked API key", headers=_CHALLENGE)
        connection.scope[KEY_NAME_KEY] = key.name  # type: ignore[literal-required]
        if scope not in key.scopes:
            raise PermissionDeniedException(f"this API key lacks the {scope!r} scope")

    guard.__name__ = f"requires_{scope}"
    return guard


def rate_limit_identifier(request: Any) -> str:
    """Rate limits count per key (its public prefix), or per client address without one."""
    secret = bearer_secret(request)
    match = _SECRET.match(secret or "")
    if match:
        return "key:" + match.group(1)
    return "addr:" + get_remote_address(request)
