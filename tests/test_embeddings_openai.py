"""The OpenAI provider against a local stand-in for POST /v1/embeddings, through the real client."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import numpy as np
import psycopg
import pytest

from app.embeddings import EmbeddingAuthError, EmbeddingDimensionError, EmbeddingError, get_provider
from app.embeddings.openai_provider import OpenAIProvider
from app.embeddings.worker import embed_pending, status
from app.settings import Settings

from tests.helpers import call


def fake_vector(text: str, dim: int) -> list[float]:
    """A deterministic vector per text, so tests can check order and content."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
    return np.random.default_rng(seed).standard_normal(dim).round(6).tolist()


class StandIn:
    """An OpenAI-compatible embeddings server on 127.0.0.1 with scripted failures."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []   # (status, headers) answered before succeeding
        self.always: tuple[int, dict] | None = None
        self.answer_dim: int | None = None          # force a dimension (wrong-dimension test)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append({"path": self.path, "body": body,
                                          "authorization": self.headers.get("Authorization")})
                failure = stand_in.always or (stand_in.script.pop(0) if stand_in.script else None)
                if failure:
                    code, headers = failure
                    self._send(code, {"error": {"message": f"stand-in says {code}", "type": "test", "code": None}}, headers)
                    return
                dim = stand_in.answer_dim or body.get("dimensions") or 384
                data = [{"object": "embedding", "index": i, "embedding": fake_vector(text, dim)}
                        for i, text in enumerate(body["input"])]
                data.reverse()  # servers may answer out of order; the index field is what counts
                self._send(200, {"object": "list", "data": data, "model": body["model"],
                                 "usage": {"prompt_tokens": 1, "total_tokens": 1}}, {})

            def _send(self, code: int, payload: dict, headers: dict) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def provider(self, dim: int = 8, batch_size: int = 3, max_retries: int = 2, model: str = "text-embedding-3-small",
                 api_key: str = "sk-test") -> OpenAIProvider:
        return OpenAIProvider(dim=dim, model=model, api_key=api_key, base_url=self.base_url,
                              batch_size=batch_size, max_retries=max_retries, timeout=10)


# The client honours retry-after-ms: a millisecond keeps retry tests fast without changing
# the code path (real servers send Retry-After in seconds).
FAST_RETRY = {"retry-after-ms": "1"}


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_batches_in_order_with_model_dimensions_and_key(stand_in: StandIn) -> None:
    texts = [f"text {i}" for i in range(7)]
    vectors = stand_in.provider(dim=8, batch_size=3).embed(texts)
    assert [len(r["body"]["input"]) for r in stand_in.requests] == [3, 3, 1]
    assert all(r["path"] == "/v1/embeddings" for r in stand_in.requests)
    first = stand_in.requests[0]
    assert first["body"]["model"] == "text-embedding-3-small" and first["body"]["dimensions"] == 8
    assert first["authorization"] == "Bearer sk-test"
    assert np.allclose(vectors, [fake_vector(t, 8) for t in texts], atol=1e-6)


def test_models_without_dimensions_parameter_are_not_sent_one(stand_in: StandIn) -> None:
    stand_in.answer_dim = 8
    stand_in.provider(model="nomic-embed-text").embed(["a"])
    assert "dimensions" not in stand_in.requests[0]["body"]


def test_empty_text_is_sent_as_a_space(stand_in: StandIn) -> None:
    stand_in.provider().embed(["", "x"])
    assert stand_in.requests[0]["body"]["input"] == [" ", "x"]


def test_rate_limit_is_retried(stand_in: StandIn) -> None:
    stand_in.script = [(429, FAST_RETRY), (429, FAST_RETRY)]
    vectors = stand_in.provider(max_retries=2).embed(["a", "b"])
    assert len(stand_in.requests) == 3 and len(vectors) == 2


def test_server_error_is_retried_then_given_up(stand_in: StandIn) -> None:
    stand_in.always = (500, FAST_RETRY)
    with pytest.raises(EmbeddingError) as info:
        stand_in.provider(max_retries=2).embed(["a"])
    assert len(stand_in.requests) == 3  # the first try and two retries
    assert not isinstance(info.value, (EmbeddingAuthError, EmbeddingDimensionError))


def test_transient_error_then_success(stand_in: StandIn) -> None:
    stand_in.script = [(503, FAST_RETRY)]
    assert len(stand_in.provider(max_retries=1).embed(["a"])) == 1
    assert len(stand_in.requests) == 2


def test_wrong_dimension_is_a_clear_error(stand_in: StandIn) -> None:
    stand_in.answer_dim = 16
    with pytest.raises(EmbeddingDimensionError):
        stand_in.provider(dim=8).embed(["a"])


def test_bad_key_is_not_retried(stand_in: StandIn) -> None:
    stand_in.always = (401, {})
    with pytest.raises(EmbeddingAuthError):
        stand_in.provider(max_retries=3).embed(["a"])
    assert len(stand_in.requests) == 1


def test_missing_key_and_url_is_a_clear_error() -> None:
    with pytest.raises(EmbeddingAuthError):
        OpenAIProvider(dim=8, api_key=None, base_url=None)


def test_auto_picks_openai_when_a_key_is_configured(stand_in: StandIn) -> None:
    settings = Settings(embedding_provider="auto", openai_api_key="sk-auto", openai_base_url=stand_in.base_url,
                        embedding_model="text-embedding-3-large", embedding_batch_size=50)
    provider = get_provider(settings, dim=8)
    assert provider.name == "openai"
    provider.embed(["a"])
    assert stand_in.requests[0]["body"]["model"] == "text-embedding-3-large"
    assert stand_in.requests[0]["authorization"] == "Bearer sk-auto"
    # The setting overrides auto-detection.
    assert get_provider(Settings(embedding_provider="offline", openai_api_key="sk-auto")).name == "offline"


def test_embed_job_through_the_openai_provider(stand_in: StandIn, conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": f"oa{i}", "title": f"Item {i}"} for i in range(5)])
    result = embed_pending(conn, stand_in.provider(dim=384, batch_size=2), batch_size=2)
    assert result.embedded == 5 and status(conn)["pending"] == 0
    stored = conn.execute("SELECT embedding FROM pgrec.items WHERE external_id = 'oa3'").fetchone()[0]
    assert np.allclose(stored.to_numpy(), fake_vector("Item 3", 384), atol=1e-5)


def test_embed_job_failure_backs_items_off(stand_in: StandIn, conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "bo1", "title": "x"}])
    stand_in.always = (500, FAST_RETRY)
    with pytest.raises(EmbeddingError):
        embed_pending(conn, stand_in.provider(dim=384, max_retries=0))
    attempts, error = conn.execute(
        "SELECT attempts, last_error FROM pgrec.embedding_queue q JOIN pgrec.items i ON i.id = q.item_id "
        "WHERE i.external_id = 'bo1'").fetchone()
    assert attempts == 1 and "500" in error
