"""Invented API keys against a real key: what a flood of made-up keys costs, through a real
`pgrec serve` process.

    .venv/bin/python -m benchmarks.http_auth_load                 # 1,000 invented keys at 100/s beside 50 req/s of a real key
    .venv/bin/python -m benchmarks.http_auth_load --fake-rate 400 --seconds 10

Two phases of the same open-loop load of one real key on ``/v1/latest`` (latency measured from
each request's due time): alone, then beside a flood of well-formed random keys (each a 401).
Prints the real key's p50/p99 in both phases and their ratio (the target: loaded p99 within 2×
unloaded p99), and the SQL statements the API sent during the flood beyond the real key's own
(``pgrec_db_queries_total`` from ``/metrics``): the target is none per invented key.

The API runs with its default rate limit, as a login role that is only a member of pgrec_app,
on the benchmark server (``.pgdata-bench``) with the small demo dataset.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psycopg

from app import ROOT
from benchmarks.common import bench_url, log, percentiles
from benchmarks.http_load import API_ROLE, as_role


def prepare(url: str) -> tuple[list[str], str, str]:
    """A pgrec_app login role and two keys (read, admin); returns (key names, read secret, admin secret)."""
    suffix = uuid.uuid4().hex[:8]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{API_ROLE}') THEN CREATE ROLE {API_ROLE} LOGIN; END IF;
        END $$""")
        conn.execute(f"GRANT pgrec_app TO {API_ROLE}")
        read = conn.execute("SELECT secret FROM rec.create_api_key(%s, ARRAY['read'])", (f"auth-read-{suffix}",)).fetchone()[0]
        admin = conn.execute("SELECT secret FROM rec.create_api_key(%s, ARRAY['admin'])",
                             (f"auth-admin-{suffix}",)).fetchone()[0]
    return [f"auth-read-{suffix}", f"auth-admin-{suffix}"], read, admin


def start_api(url: str, port: int, logfile: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url,
           "PGREC_API_DATABASE_URL": as_role(url, API_ROLE), "PGREC_API_EMBED_QUERIES": "false"}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=logfile.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API exited: {logfile.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the API did not become ready within 60 s")


def queries_sent(base: str, admin: str) -> float:
    text = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {admin}"}, timeout=10).text
    match = re.search(r"^pgrec_db_queries_total ([0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else float("nan")


async def open_loop(client: httpx.AsyncClient, rate: float, seconds: float, request, latencies: list[float] | None,
                    statuses: Counter[str]) -> None:
    async def one(due: float) -> None:
        try:
            response = await request()
            statuses[str(response.status_code)] += 1
        except httpx.HTTPError as exc:
            statuses[type(exc).__name__] += 1
        if latencies is not None:
            latencies.append((time.perf_counter() - due) * 1000)

    started = time.perf_counter()
    tasks = []
    for i in range(int(rate * seconds)):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)


async def phase(base: str, secret: str, rate: float, seconds: float, fake_rate: float) -> dict:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        real = {"Authorization": f"Bearer {secret}"}
        for _ in range(100):  # warm: pool, prepared statements, the key cache
            await client.get("/v1/latest?n=10", headers=real)
        latencies: list[float] = []
        real_statuses: Counter[str] = Counter()
        fake_statuses: Counter[str] = Counter()
        jobs = [open_loop(client, rate, seconds, lambda: client.get("/v1/latest?n=10", headers=real), latencies,
                          real_statuses)]
        if fake_rate:
            jobs.append(open_loop(client, fake_rate, seconds, lambda: client.get(
                "/v1/latest?n=10",
                headers={"Authorization": f"Bearer pgrec_{secrets.token_hex(6)}_{secrets.token_hex(32)}"}),
                None, fake_statuses))
        await asyncio.gather(*jobs)
    stats = percentiles(latencies)
    return {"p50": stats["p50"], "p99": stats["p99"], "real": dict(real_statuses), "fake": dict(fake_statuses),
            "real_requests": sum(real_statuses.values()), "fake_requests": sum(fake_statuses.values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50, help="real-key requests per second")
    parser.add_argument("--fake-rate", type=float, default=100, help="invented-key requests per second")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    url = bench_url(2000, 500, 50_000)
    names, secret, admin = prepare(url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    logfile = Path(tempfile.mkdtemp(prefix="pgrec-http-auth-")) / "api.log"
    log(f"starting the API on 127.0.0.1:{port} (log: {logfile})")
    api = start_api(url, port, logfile)
    base = f"http://127.0.0.1:{port}"
    try:
        alone = asyncio.run(phase(base, secret, args.rate, args.seconds, 0))
        before = queries_sent(base, admin)
        flooded = asyncio.run(phase(base, secret, args.rate, args.seconds, args.fake_rate))
        after = queries_sent(base, admin)
    finally:
        api.send_signal(signal.SIGTERM)
        try:
            api.wait(timeout=20)
        except subprocess.TimeoutExpired:
            api.kill()
        with psycopg.connect(url, autocommit=True) as conn:
            for name in names:
                conn.execute("SELECT rec.revoke_api_key(%s)", (name,))

    # The real key's requests in the flooded phase: its warm-up, its load, and one key check per
    # cache period; the metrics scrape itself is one more. The rest is what the invented keys cost.
    real_cost = 100 + flooded["real_requests"] + args.seconds / 10 + 2
    fake_cost = max(0.0, after - before - real_cost)
    print(f"real key: open loop {args.rate:g} req/s on /v1/latest for {args.seconds:g} s per phase; "
          f"invented keys: {args.fake_rate:g} req/s in the second phase; default rate limit")
    print(f"real key alone            p50 {alone['p50']:.2f} ms  p99 {alone['p99']:.2f} ms  {alone['real']}")
    print(f"real key beside the flood p50 {flooded['p50']:.2f} ms  p99 {flooded['p99']:.2f} ms  {flooded['real']}")
    print(f"p99 ratio (target <= 2)   {flooded['p99'] / alone['p99']:.2f}")
    print(f"invented keys sent        {flooded['fake_requests']}  answers {flooded['fake']}")
    print(f"SQL statements during the flood phase {after - before:.0f}, of them for invented keys ~{fake_cost:.0f} "
          f"({fake_cost / max(1, flooded['fake_requests']):.3f} per invented key; target 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
