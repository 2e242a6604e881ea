"""The API survives a database restart: a real uvicorn process on 127.0.0.1 keeps running while
the embedded PostgreSQL of this test run is stopped (requests get 503 with Retry-After) and
started again (requests succeed again, without restarting the API)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from app import ROOT
from app.db import embedded_running, start_embedded, stop_embedded

from tests.helpers import ApiDatabase

TEST_DATA_DIR = Path(os.environ.get("PGREC_TEST_DATA_DIR", ROOT / ".pgdata-test"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_test_server() -> None:
    """Start this run's embedded server again after ``stop_embedded`` in the same process."""
    start_embedded(TEST_DATA_DIR)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; a bounded wait for another process, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def api_process(api_db: ApiDatabase, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": api_db.url,
           "PGREC_API_DATABASE_URL": api_db.app_url, "PGREC_API_POOL_TIMEOUT": "1",
           "PGREC_API_EMBED_QUERIES": "false"}
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
        wait_for(up, 30, "the API process to listen")
        yield process, base, tmp_path / "api.log"
    finally:
        if not embedded_running(TEST_DATA_DIR):
            start_test_server()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="needs the embedded server to stop and start")
def test_api_survives_a_database_restart(api_db: ApiDatabase,
                                        api_process: tuple[subprocess.Popen, str, Path]) -> None:
    process, base, log = api_process
    headers = api_db.bearer("reader")
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        assert client.get("/v1/users/ana/feed").status_code == 200
        assert client.get("/readyz").status_code == 200

        stop_embedded(TEST_DATA_DIR)
        assert not embedded_running(TEST_DATA_DIR)
        down = client.get("/v1/users/ana/feed")
        assert down.status_code == 503
        assert down.headers["retry-after"].isdigit()
        assert down.json()["error"]["code"] in {"unavailable", "57P01", "08006", "08003", "08001"}
        # A cached "ready" may be reused for PGREC_API_READY_CACHE_SECONDS after the database went.
        wait_for(lambda: client.get("/readyz").status_code == 503, 30, "readiness to report the outage")
        assert client.get("/healthz").status_code == 200  # the process itself is fine

        start_test_server()
        assert embedded_running(TEST_DATA_DIR)
        wait_for(lambda: client.get("/v1/users/ana/feed").status_code == 200, 30, "the API to recover")
        # Readiness answers are reused for PGREC_API_READY_CACHE_SECONDS, so it follows shortly.
        wait_for(lambda: client.get("/readyz").status_code == 200, 30, "readiness to recover")
        assert process.poll() is None  # same process throughout: it recovered by itself

    # Graceful shutdown: on SIGTERM uvicorn finishes, runs the app's shutdown (closing the pool)
    # and then exits through the signal it was sent.
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) in (0, -signal.SIGTERM)
    lines = log.read_text()
    assert "Application shutdown complete" in lines, lines[-2000:]
    assert '"msg": "request"' in lines and '"status": 503' in lines  # JSON request logs
