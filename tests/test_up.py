"""`pgrec up` — what `make run` runs — brings up a working API and scheduler and stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx

from app import ROOT
from app.db import connect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_up_serves_demo_data_and_stops_on_sigterm(empty_db: str) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": empty_db, "PGREC_DEMO_ITEMS": "60", "PGREC_DEMO_USERS": "30",
           "PGREC_DEMO_EVENTS": "2000", "COLUMNS": "300"}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "up", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = ""
    try:
        deadline = time.monotonic() + 120
        secret = None
        while time.monotonic() < deadline and secret is None:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, output
            output += line
            found = re.search(r"Bearer (\S+?)'", line)
            secret = found.group(1) if found else None
        assert secret, output
        headers = {"Authorization": f"Bearer {secret}"}
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        with connect(empty_db) as conn:
            user = conn.execute("SELECT u.external_id FROM pgrec.users u JOIN pgrec.events e ON e.user_id = u.id "
                                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
        response = httpx.get(f"http://127.0.0.1:{port}/v1/users/{user}/feed", params={"n": 5}, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert len(items) == 5 and all(item["reasons"]["terms"] for item in items)
        # Without the key the API refuses: keys are on by default, even for the demo.
        assert httpx.get(f"http://127.0.0.1:{port}/v1/users/{user}/feed", timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0
