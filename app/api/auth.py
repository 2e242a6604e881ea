"""API keys (``Authorization: Bearer <secret>``, verified by ``rec.authenticate`` in SQL) and
the per-caller rate limit.

The database keeps only a digest of each secret (``pgrec.api_keys``). The API remembers a
verified key for ``PGREC_API_KEY_CACHE_SECONDS`` so most requests cost no extra round trip; a
revoked key therefore stops working within that many seconds. Scopes: ``read`` (feeds, search,
status), ``write`` (upserts, events, preferences, onboarding answers, privacy requests) and
``admin`` (operations, metrics). A missing or invalid key is 401, a key without the scope an
endpoint needs is 403.

Invented keys must not cost a database query each (that would make the key check the cheapest
way to load the database). So:

* a secret that does not have the shape of a key is refused at once;
* the API holds the public prefixes of all live keys (``rec.api_key_prefixes()``, reloaded at
  most every ``PGREC_API_KEY_PREFIX_RELOAD_SECONDS``) and refuses a key whose prefix is not among
  them without asking the database;
* only a well-formed secret with a live prefix is verified in SQL; failures are remembered
  (in their own bounded map, so a flood of them cannot push real keys out of the cache) and
  counted per client address, and an address that spent its budget of them gets no further
  verification until it refills.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import psycopg
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from app.api.db import Database
from app.api.limits import RATE_LIMIT_KEY, client_address
from app.api.queries import API_KEY_PREFIXES, AUTHENTICATE

log = logging.getLogger("pgrec.api")

SCOPES = ("read", "write", "admin")
KEY_NAME_KEY = "pgrec.key_name"
_SECRET = re.compile(r"^pgrec_([0-9a-f]{12})_[0-9a-f]{64}$")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pgrec"'}


@dataclass(frozen=True)
class Key:
    name: str
    scopes: frozenset[str]


class LivePrefixes:
    """The prefixes of live keys, loaded from the database and reloaded at most every
    ``reload_seconds``. ``None`` from :meth:`lookup` means the installation cannot list them
    (an older SQL API), in which case every well-formed key is verified in SQL."""

    MISSING_RETRY_SECONDS = 60.0

    def __init__(self, database: Database, reload_seconds: float) -> None:
        self.database = database
        self.reload_seconds = reload_seconds
        self._missing = False
        self._prefixes: frozenset[str] | None = None
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def known_absent(self, prefix: str) -> bool:
        """True when the prefix is surely not a live key's, without a query."""
        prefixes = self._prefixes
        return prefixes is not None and prefix not in prefixes and not self._due()

    def lookup(self, prefix: str) -> bool | None:
        """Whether ``prefix`` belongs to a live key; reloads first if the answer is no and a
        reload is due (one thread reloads, the others use the current set)."""
        prefixes = self._prefixes
        if (prefixes is None or prefix not in prefixes) and self._due() and self._lock.acquire(blocking=False):
            try:
                if self._due():
                    self._reload()
            finally:
                self._lock.release()
            prefixes = self._prefixes
        if prefixes is None:
            return None
        return prefix in prefixes

    def _due(self) -> bool:
        return time.monotonic() - self._loaded_at >= self.reload_seconds

    def _reload(self) -> None:
        self._loaded_at = time.monotonic()
        try:
            rows = self.database.rows(API_KEY_PREFIXES, {})
        except psycopg.errors.UndefinedFunction:
            if not self._missing:
                log.warning("rec.api_key_prefixes() is not installed: every well-formed API key is verified "
                            "in SQL; run `pgrec migrate` to refuse invented keys without a query")
            self._missing = True
            self._prefixes = None
            # An older installation stays older until a migration: look again in a minute, not
            # on every key.
            self._loaded_at += max(0.0, self.MISSING_RETRY_SECONDS - self.reload_seconds)
            return
        self._missing = False
        self._prefixes = frozenset(r["prefix"] for r in rows)

    def forget(self) -> None:
        self._loaded_at = float("-inf")


class _Lru:
    """A bounded map with expiry: the least recently used entry goes first when it is full."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max(1, max_entries)
        self._entries: OrderedDict[bytes, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: bytes) -> tuple[bool, Any]:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return False, None
            if entry[0] <= time.monotonic():
                del self._entries[digest]
                return False, None
            self._entries.move_to_end(digest)
            return True, entry[1]

    def put(self, digest: bytes, value: Any, ttl: float) -> None:
        with self._lock:
            self._entries[digest] = (time.monotonic() + ttl, value)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class KeyVerifier:
    """Verifies secrets through the database, with an LRU cache of verified keys, a separate
    one of refused secrets, and the live-prefix filter described in the module docstring."""

    def __init__(self, database: Database, ttl: float, max_entries: int = 10_000,
                 prefix_reload_seconds: float = 1.0) -> None:
        self.database = database
        self.ttl = ttl
        self.known = _Lru(max_entries)
        self.refused = _Lru(max_entries)
        self.prefixes = LivePrefixes(database, prefix_reload_seconds)

    @staticmethod
    def _digest(secret: str) -> bytes:
        return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()

    def cached(self, secret: str) -> tuple[bool, Key | None]:
        """(True, key or None) when the answer is known without a query, else (False, None)."""
        match = _SECRET.match(secret)
        if not match:
            return True, None
        if self.ttl > 0:
            digest = self._digest(secret)
            hit, key = self.known.get(digest)
            if hit:
                return True, key
            hit, _ = self.refused.get(digest)
            if hit:
                return True, None
        if self.prefixes.known_absent(match.group(1)):
            return True, None
        return False, None

    def verify(self, secret: str) -> Key | None:
        """The key for this secret, or None (asks the database only when it has to)."""
        return self.verify_reporting(secret)[0]

    def verify_reporting(self, secret: str) -> tuple[Key | None, bool]:
        """(key or None, whether ``rec.authenticate`` was asked)."""
        hit, key = self.cached(secret)
        if hit:
            return key, False
        match = _SECRET.match(secret)
        assert match is not None  # cached() answered every malformed secret
        if self.prefixes.lookup(match.group(1)) is False:
            return None, False
        rows = self.database.rows(AUTHENTICATE, {"secret": secret})
        key = Key(rows[0]["key_name"], frozenset(rows[0]["key_scopes"])) if rows else None
        if self.ttl > 0:
            if key is not None:
                self.known.put(self._digest(secret), key, self.ttl)
            else:
                self.refused.put(self._digest(secret), None, self.ttl)
        return key, True

    def forget(self) -> None:
        self.known.clear()
        self.refused.clear()
        self.prefixes.forget()


def bearer_secret(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def _charge(connection: ASGIConnection[Any, Any, Any, Any], identity: str) -> None:
    """Count one request for ``identity``; 429 when its budget is spent."""
    limiter = connection.app.state.rate_limiter
    if limiter is None:
        return
    verdict = limiter.charge(identity)
    connection.scope[RATE_LIMIT_KEY] = verdict  # type: ignore[literal-required]
    if not verdict.allowed:
        raise TooManyRequestsException("too many requests: slow down and retry after the time in Retry-After",
                                       headers=verdict.headers())


def caller_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return client_address(connection.scope, connection.app.state.trusted_proxies)  # type: ignore[arg-type]


def requires(scope: str):
    """A guard: the request must carry a live key with ``scope`` (reads may be public). It also
    charges the request to the caller's rate limit: the key's name once verified, else the
    client address (``addr:``); ``identity`` prefixes keep the budgets apart."""
    assert scope in SCOPES

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        state = connection.app.state
        address = "addr:" + caller_address(connection)
        if scope == "read" and state.settings.api_public_reads:
            _charge(connection, address)
            return
        secret = bearer_secret(connection)
        if secret is None:
            _charge(connection, address)
            raise NotAuthorizedException("an API key is required: send Authorization: Bearer <secret>",
                                         headers=_CHALLENGE)
        verifier: KeyVerifier = state.key_verifier
        hit, key = verifier.cached(secret)
        if not hit:
            # Failed verifications that cost a query (a live prefix with a wrong secret) have a
            # budget per address of their own: once it is spent, that address gets no
            # verification at all until the budget refills, so guessing secrets cannot load the
            # database. Invented keys (refused without a query) never spend it, and keys already
            # in the cache are not verified again, so only an address that was guessing — or a
            # real key behind it whose cache entry expired — waits.
            failures = "fail:" + address
            limiter = state.rate_limiter
            if limiter is not None and limiter.exhausted(failures):
                _charge(connection, failures)
            key, asked = await anyio.to_thread.run_sync(verifier.verify_reporting, secret)
            if key is None and asked and limiter is not None:
                limiter.charge(failures)
        _charge(connection, f"key:{key.name}" if key else address)
        if key is None:
            raise NotAuthorizedException("invalid or revoked API key", headers=_CHALLENGE)
        connection.scope[KEY_NAME_KEY] = key.name  # type: ignore[literal-required]
        if scope not in key.scopes:
            raise PermissionDeniedException(f"this API key lacks the {scope!r} scope")

    guard.__name__ = f"requires_{scope}"
    return guard
