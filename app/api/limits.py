"""Who a request comes from, and how many requests each caller may make.

Limits are counted per *verified* key (its name) and, for requests without a valid key, per
client address. A key only counts as itself once the database (or the key cache) confirmed it,
so inventing keys buys no fresh budget: every invalid key is charged to the address it came from.

The client address is the TCP peer, unless the peer is a configured reverse proxy
(``PGREC_API_TRUSTED_PROXIES``): then ``X-Forwarded-For`` is read from the right, skipping
trusted proxies, and the first other address is the client. Without trusted proxies the header
is ignored, since anyone can send it.

Budgets are token buckets (``limit`` requests per minute, refilled continuously), so there is no
window boundary at which a client gets twice its rate; the buckets live in a bounded LRU map.
"""

from __future__ import annotations

import ipaddress
import re
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
RATE_LIMIT_KEY = "pgrec.rate_limit"


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``10.0.0.1``, ``10.0.0.0/8``, ``::1`` → networks; raises ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"PGREC_API_TRUSTED_PROXIES: {entry!r} is not an address or network") from exc
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(scope: dict[str, Any], trusted: tuple[Network, ...]) -> str:
    """The client's address for limits and logs (see the module docstring)."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not trusted:
        return peer
    peer_ip = _address(peer)
    if peer_ip is None or not any(peer_ip in net for net in trusted):
        return peer
    hops: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops.extend(h for h in value.decode("latin-1").split(",") if h.strip())
    for hop in reversed(hops):
        ip = _address(hop)
        if ip is None:
            # A malformed hop was written by someone we do not trust: the last proxy we do
            # trust is the best address we know.
            return peer
        if not any(ip in net for net in trusted):
            return str(ip)
        peer = str(ip)
    return peer


@dataclass
class Verdict:
    """The outcome of charging one request: allowed or not, and the RateLimit-* header values."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the bucket is full again
    retry_after: int  # seconds until one more request is allowed (0 when allowed)

    def headers(self) -> dict[str, str]:
        headers = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                   "RateLimit-Reset": str(self.reset)}
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    """Token buckets per identity (``key:<name>``, ``addr:<address>``, ``fail:<address>``), ``per_minute`` each."""

    def __init__(self, per_minute: int, max_identities: int = 100_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_identities = max_identities
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # identity -> (tokens, at)
        self._lock = threading.Lock()

    def _tokens(self, identity: str, now: float) -> float:
        tokens, at = self._buckets.get(identity, (self.capacity, now))
        return min(self.capacity, tokens + (now - at) * self.rate)

    def exhausted(self, identity: str) -> bool:
        """True when ``identity`` could not make one more request now (nothing is charged)."""
        with self._lock:
            return self._tokens(identity, time.monotonic()) < 1.0

    def charge(self, identity: str) -> Verdict:
        """Take one token for ``identity`` if there is one."""
        now = time.monotonic()
        with self._lock:
            tokens = self._tokens(identity, now)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[identity] = (tokens, now)
            self._buckets.move_to_end(identity)
            while len(self._buckets) > self.max_identities:
                # Forgetting the least recently seen caller gives it a full bucket again, which
                # is the state it would reach by waiting a minute anyway.
                self._buckets.popitem(last=False)
        limit = int(self.capacity)
        reset = math.ceil((self.capacity - tokens) / self.rate) if self.rate else 0
        retry = 0 if allowed else max(1, math.ceil((1.0 - tokens) / self.rate))
        return Verdict(allowed, limit, int(tokens), reset, retry)


# A JSON string literal (escapes included), so brackets inside strings are not counted.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OBJECT_TO_ARRAY = bytes.maketrans(b"{}", b"[]")


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """True when the JSON text ``body`` nests arrays/objects more than ``limit`` deep (or is so
    unbalanced that it cannot be told apart from that).

    Runs before the body is decoded: the decoder recurses per level (about 1,000 levels raise
    RecursionError in Python, a 500), and so would everything handing the value on. Strings are
    cut out, objects and arrays become one bracket kind, and each pass deletes the innermost
    pairs; ``limit`` passes empty any text of depth ``limit`` or less. Every step is a C-speed
    bytes operation, a few milliseconds for a megabyte.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(_OBJECT_TO_ARRAY, delete=_NOT_BRACKETS)
    if b"[" * (limit + 1) in brackets:  # that many opened in a row: the common deep body, found at once
        return True
    for _ in range(limit):
        shorter = brackets.replace(b"[]", b"")
        if not shorter:
            return False
        if len(shorter) == len(brackets):
            break  # unbalanced: the decoder would refuse it too
        brackets = shorter
    return bool(brackets)
