"""Search during an embeddings-provider outage: the provider hangs, and yet every search answers
(by keywords, saying so) and no other endpoint waits for it.

The provider is a local stand-in for an OpenAI-compatible server that accepts the request and
never answers. The API is a real ``pgrec serve`` process, so the worker threads, the connection
pool and the key checks are the production ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np
import pytest

from app import ROOT
from app.api.routes.feeds import KEYWORD_ONLY_REASON
from app.embeddings.query import MAX_QUERY_CHARS, CircuitBreaker, QueryEmbedder
from tests.helpers import ApiDatabase, free_port, wait_until

QUERY_TIMEOUT = 1.0
CONCURRENCY = 4
FAILURES = 3


class HangingProvider:
    """An embeddings endpoint that takes requests and answers none of them (until closed)."""

    def __init__(self) -> None:
        self.requests = 0
        self.release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                provider.requests += 1
                provider.release.wait(120)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging_provider() -> Iterator[HangingProvider]:
    provider = HangingProvider()
    yield provider
    provider.close()


@pytest.fixture
def api_with_hanging_provider(api_db: ApiDatabase, hanging_provider: HangingProvider,
                              tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": api_db.url,
           "PGREC_API_DATABASE_URL": api_db.app_url, "PGREC_API_EMBED_QUERIES": "true",
           "PGREC_EMBEDDING_PROVIDER": "openai", "PGREC_OPENAI_BASE_URL": hanging_provider.url,
           "PGREC_OPENAI_API_KEY": "stand-in", "PGREC_EMBEDDING_MODEL": "stand-in-model",
           "PGREC_API_QUERY_EMBED_TIMEOUT": str(QUERY_TIMEOUT), "PGREC_API_QUERY_EMBED_FAILURES": str(FAILURES),
           "PGREC_API_QUERY_EMBED_COOLDOWN": "300", "PGREC_API_QUERY_EMBED_CONCURRENCY": str(CONCURRENCY),
           "PGREC_API_RATE_LIMIT": "0", "PGREC_API_POOL_TIMEOUT": "10"}
    log = (tmp_path / "api.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, (tmp_path / "api.log").read_text()[-2000:]
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(up, 30)  # the API process listens
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_provider_outage_degrades_search_and_blocks_nothing(api_db: ApiDatabase, hanging_provider: HangingProvider,
                                                            api_with_hanging_provider: str) -> None:
    base = api_with_hanging_provider
    reader = api_db.bearer("reader")
    writer = api_db.bearer("writer")

    def search(i: int) -> httpx.Response:
        words = ["python", "web apps", "figma", "python beginners", "sql"][i % 5]
        return httpx.get(f"{base}/v1/search", params={"q": words, "n": 10 + i % 7}, headers=reader, timeout=60)

    def other(i: int) -> tuple[int, float]:
        started = time.monotonic()
        path, headers = [("/v1/latest", reader), ("/v1/users/ana/feed", reader), ("/healthz", {}),
                         ("/v1/users/ana/export", writer), ("/v1/trending", reader)][i % 5]
        response = httpx.get(f"{base}{path}", headers=headers, timeout=60)
        return response.status_code, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=64) as pool:
        searches = [pool.submit(search, i) for i in range(48)]
        time.sleep(0.2)  # let the searches occupy whatever they are going to occupy
        others = [pool.submit(other, i) for i in range(20)]
        other_results = [f.result() for f in others]
        search_results = [f.result() for f in searches]

    # Other endpoints (key checks included) answer while the provider hangs: far sooner than a
    # single provider call could take, let alone the old 60 s timeout with 5 retries.
    assert {status for status, _ in other_results} == {200}
    slowest = max(seconds for _, seconds in other_results)
    assert slowest < 5 * QUERY_TIMEOUT, f"another endpoint waited {slowest:.1f}s"

    for response in search_results:
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        assert body["mode"] == "keyword" and body["degraded"]
        assert response.headers["x-search-mode"] == "keyword"
        for item in body["items"]:
            assert KEYWORD_ONLY_REASON in item["reasons"]["reasons"]
    assert any(r.json()["items"] for r in search_results)  # keyword search really ran

    # The provider saw a bounded number of calls: the embedding slots, then the breaker is open.
    # Once the stuck calls gave up (their slots are free again) the breaker, not a slot, is
    # what keeps searches away from the provider.
    wait_until(lambda: "circuit open" in (search(99).json()["degraded"] or ""), 10 * QUERY_TIMEOUT)
    assert hanging_provider.requests <= CONCURRENCY + FAILURES
    metrics = httpx.get(f"{base}/metrics", headers=api_db.bearer("admin"), timeout=10).text
    assert "pgrec_query_embeddings_breaker_open 1.0" in metrics


# --- the pieces, without processes ------------------------------------------------------------

def test_circuit_breaker_opens_half_opens_and_closes() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=3, cooldown=10, clock=lambda: now[0])
    for _ in range(2):
        assert breaker.allow()
        breaker.failed()
    assert breaker.state == "closed" and breaker.allow()
    breaker.failed()
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 9.9
    assert not breaker.allow()
    now[0] = 10.0
    assert breaker.allow()  # the one trial of the half-open state
    assert not breaker.allow()  # nobody else while it runs
    breaker.failed()
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 20.0
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state == "closed" and breaker.allow() and breaker.allow()


class CountingProvider:
    name = "counting"

    def __init__(self, dim: int = 4, gate: threading.Event | None = None) -> None:
        self.dim = dim
        self.calls = 0
        self.gate = gate

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(30)
        return [[1.0] + [0.0] * (self.dim - 1) for _ in texts]


def test_long_queries_are_not_sent_to_the_provider() -> None:
    provider = CountingProvider()
    embedder = QueryEmbedder(lambda: provider, timeout=1, failures=3, cooldown=30, concurrency=2)
    try:
        result = embedder.embed("x" * (MAX_QUERY_CHARS + 1))
        assert result.vector is None and result.unavailable and provider.calls == 0
        ok = embedder.embed("short")
        assert ok.vector is not None and np.allclose(ok.vector, [1, 0, 0, 0]) and provider.calls == 1
    finally:
        embedder.close()


def test_busy_embeddings_do_not_make_searches_wait() -> None:
    gate = threading.Event()
    provider = CountingProvider(gate=gate)
    embedder = QueryEmbedder(lambda: provider, timeout=0.2, failures=100, cooldown=30, concurrency=1)
    try:
        first = embedder.embed("a")  # times out; its call still holds the one slot
        assert first.vector is None and "longer than" in (first.why_not or "")
        started = time.monotonic()
        second = embedder.embed("b")
        assert second.vector is None and "busy" in (second.why_not or "")
        assert time.monotonic() - started < 0.2  # answered at once, not after another timeout
        assert provider.calls == 1
    finally:
        gate.set()
        embedder.close()


def test_a_wrong_vector_counts_as_a_failure() -> None:
    class Broken(CountingProvider):
        def embed(self, texts: list[str]) -> list[list[float]]:
            return [[float("nan")] * self.dim for _ in texts]

    embedder = QueryEmbedder(lambda: Broken(), timeout=1, failures=1, cooldown=30, concurrency=1)
    try:
        assert embedder.embed("q").vector is None
        assert embedder.breaker.state == "open"
    finally:
        embedder.close()
