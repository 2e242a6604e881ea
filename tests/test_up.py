"""`pgrec up` — what `make run` runs — brings up a working API and scheduler and stops cleanly;
`pgrec down` stops what it started, the embedded database included."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from app import ROOT
from app.db import connect
from tests.helpers import free_port


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


def start_up(env: dict, port: int) -> tuple[subprocess.Popen, str]:
    """`pgrec up` in the background; returns the process once the API answers, and its output so far."""
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "up", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = ""
    deadline = time.monotonic() + 120
    while "pgrec down" not in output:
        line = proc.stdout.readline()
        assert line or proc.poll() is None, output
        output += line
        assert time.monotonic() < deadline, output
    # Keep reading, as a terminal would: a full pipe would block the API's and scheduler's logging.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc, output
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError(output)


def api_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_up_stops_its_embedded_database_on_ctrl_c_and_down_stops_everything(tmp_path) -> None:
    from app.db import embedded_running, stop_embedded

    data_dir = ROOT / f".pgdata-test-up-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"PGREC_DATA_DIR": str(data_dir), "PGREC_DEMO_ITEMS": "40", "PGREC_DEMO_USERS": "20",
                "PGREC_DEMO_EVENTS": "500", "COLUMNS": "300", "PGREC_SCHEDULE": "embed=0"})
    state_file = data_dir.parent / f"{data_dir.name}.up.json"
    try:
        # Ctrl-C: the API, the scheduler and the database `up` started all stop.
        port = free_port()
        proc, output = start_up(env, port)
        assert "playground" in output and "pgrec down" in output
        assert embedded_running(data_dir) and state_file.exists()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        assert proc.returncode == 0
        assert not embedded_running(data_dir) and not api_answers(port) and not state_file.exists()

        # `pgrec down` from another terminal stops the same things.
        port = free_port()
        proc, _ = start_up(env, port)
        children = json.loads(state_file.read_text())["children"]
        down = subprocess.run([sys.executable, "-m", "app.cli", "down"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=90)
        assert down.returncode == 0, down.stderr
        assert "stopped pgrec up" in down.stdout
        proc.wait(timeout=30)
        assert not embedded_running(data_dir) and not api_answers(port) and not state_file.exists()
        for pid in children:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        again = subprocess.run([sys.executable, "-m", "app.cli", "down"], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=60)
        assert again.returncode == 0 and "nothing was running" in again.stdout
    finally:
        if proc.poll() is None:
            proc.kill()
        stop_embedded(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
        state_file.unlink(missing_ok=True)
