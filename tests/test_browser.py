"""The pages as a person sees them: headless Chromium (Debian's package, driven by Playwright)
against a real `pgrec serve` on demo data — the playground, the dashboard and an evaluation
report file. Every request to a host other than this machine is blocked and fails the test.

Without a browser the tests skip with a loud message, except under CI=true where they fail:
`make test` installs Debian's chromium when it runs as root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import httpx
import psycopg
import pytest

from app import ROOT
from app.db import with_database
from tests.helpers import free_port, serving, wait_for

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def chromium_path() -> str:
    found = next((p for p in (os.environ.get("PGREC_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"))
                  if p and os.access(p, os.X_OK)), None)
    if found:
        return found
    message = ("BROWSER TESTS NOT RUN: Debian's chromium is not installed (/usr/bin/chromium). "
               "Run `make test` as root, or `sudo apt-get install chromium`, to run them.")
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    warnings.warn(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: PGREC_SCREENSHOTS (e.g. docs/img, to refresh the README's), else a temp dir."""
    target = os.environ.get("PGREC_SCREENSHOTS")
    path = (ROOT / target) if target and not os.path.isabs(target) else Path(target) if target else \
        tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Live:
    def __init__(self, base: str, key: str, user: str, word: str, url: str) -> None:
        self.base, self.key, self.user, self.word, self.url = base, key, user, word, url

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, self.base + path, headers={"Authorization": f"Bearer {self.key}"}, timeout=30,
                             **kwargs)


@pytest.fixture(scope="module")
def live(server_url: str, template_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A real `pgrec serve` on a free port, against a database with a small demo world."""
    from app.demo import DemoSize, generate
    from app.loader import load_dataset

    template = psycopg.conninfo.conninfo_to_dict(template_url)["dbname"]
    name = f"pgrec_browser_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    url = with_database(server_url, name)
    from rich.console import Console

    load_dataset(url, generate(DemoSize(items=300, users=80, events=8000, seed=5), now=datetime.now(timezone.utc)),
                 console=Console(file=open(os.devnull, "w")))
    with psycopg.connect(url, autocommit=True) as conn:
        key = conn.execute("SELECT secret FROM rec.create_api_key('browser', ARRAY['read', 'write', 'admin'])").fetchone()[0]
        user = conn.execute("SELECT u.external_id FROM pgrec.users u JOIN pgrec.events e ON e.user_id = u.id "
                            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
        # A word of a live item's title, for the search tab.
        word = conn.execute("SELECT split_part(title, ' ', 2) FROM pgrec.items WHERE status = 'active' "
                            "ORDER BY id LIMIT 1").fetchone()[0]
    port = free_port()
    log = (tmp_path_factory.mktemp("serve") / "api.log").open("w")
    env = {**os.environ, "DATABASE_URL": url, "PGREC_API_EMBED_QUERIES": "false", "PGREC_API_RATE_LIMIT": "0"}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert process.poll() is None, f"pgrec serve exited; see {log.name}"
        try:
            return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(ready, 60, "pgrec serve")
        yield Live(base, key, user, word, url)
    finally:
        process.terminate()
        process.wait(timeout=30)
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A page whose requests may only go to this machine; anything else is aborted and fails the test."""
    outside: list[str] = []

    def only_local(route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "file:")) or urlparse(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    context.route("**/*", only_local)
    # A second net for what routing does not see (websockets, preconnects).
    context.on("request", lambda r: None if r.url.startswith(("data:", "blob:", "file:"))
               or urlparse(r.url).hostname in LOCAL_HOSTS else outside.append(r.url))
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not outside, f"the page tried to reach another host: {outside}"
    assert not errors, f"script errors: {errors}"


def card_ids(page) -> list[str]:
    return page.eval_on_selector_all("#feed-list .card", "cards => cards.map(c => c.dataset.itemId)")


def use_key(page, key: str) -> None:
    page.fill("#api-key", key)
    page.click("#api-key-save")


def test_playground(live: Live, page, screenshots: Path) -> None:
    page.goto(live.base + "/playground")
    use_key(page, live.key)
    page.fill("#user", live.user)
    page.click("#user-go")
    page.wait_for_selector("#feed-list .card")
    before = card_ids(page)
    assert len(before) == 20
    # Every card has its stacked term bar; the first one several terms and a human reason.
    segments = page.eval_on_selector_all("#feed-list .card", "cards => cards.map(c => c.querySelectorAll('.term-bar .seg').length)")
    assert all(n >= 1 for n in segments) and segments[0] >= 3
    assert page.inner_text("#feed-list .card >> nth=0 >> .reasons").strip()
    assert page.locator("#sliders input[type=range]").count() >= 8

    # Like the top item as this user: it leaves the next feed (liked items are excluded).
    liked = before[0]
    page.click("#feed-list .card >> nth=0 >> button.like")
    page.wait_for_function("liked => { const ids = [...document.querySelectorAll('#feed-list .card')]"
                           ".map(c => c.dataset.itemId); return ids.length > 0 && !ids.includes(liked); }", arg=liked)
    after_like = card_ids(page)
    assert liked not in after_like and len(after_like) == 20
    events = live.call("GET", "/v1/users/" + live.user + "/export").json()["events"]
    assert any(e["item_id"] == liked and e["type"] == "like" and e["context"]["surface"] == "playground" for e in events)

    # Move a slider: the per-call weights reorder the list.
    page.locator("#sliders input[data-signal=popularity]").fill("1")
    page.wait_for_function("before => { const ids = [...document.querySelectorAll('#feed-list .card')]"
                           ".map(c => c.dataset.itemId); return ids.length > 0 && ids.join() !== before.join(); }",
                           arg=after_like)
    assert "weights from the sliders" in page.inner_text("#feed-status")

    # Why not the liked item? The explanation says it is never shown, and why.
    page.fill("#why-not-item", liked)
    page.click("#why-not button")
    page.wait_for_selector("[data-testid=verdict]")
    assert "never shown" in page.inner_text("[data-testid=verdict]")
    page.screenshot(path=str(screenshots / "playground.png"))

    # The other views render lists from their endpoints.
    page.click("#tabs button[data-view=trending]")
    page.wait_for_selector("section[data-view=trending] .card")
    page.click("section[data-view=trending] .card >> nth=0 >> button.similar")
    page.wait_for_selector("section[data-view=similar] .status:has-text('similar to')")
    page.click("#tabs button[data-view=latest]")
    page.wait_for_selector("section[data-view=latest] .card")
    page.click("#tabs button[data-view=nearby]")
    page.click("#latlon [data-place=Lisbon] circle")
    page.wait_for_selector("section[data-view=nearby] .status:has-text('within 10 km')")
    assert abs(float(page.input_value("#nearby-lat")) - 38.7223) < 0.01
    page.click("#tabs button[data-view=search]")
    page.fill("#search-q", live.word)
    page.press("#search-q", "Enter")
    page.wait_for_selector("section[data-view=search] .card")
    page.click("#tabs button[data-view=session]")
    page.wait_for_selector("section[data-view=session] .card")
    page.click("section[data-view=session] .card >> nth=0 >> button.to-session")
    page.wait_for_selector("section[data-view=session] .status:has-text('session of 1')")


def test_dashboard(live: Live, page, screenshots: Path) -> None:
    # Traffic to show: a few events and feed requests, as any client would make them.
    batch = [{"user_id": live.user, "item_id": item, "type": "view"} for item in ("i1", "i2", "i3")]
    assert live.call("POST", "/v1/events", json=batch).status_code == 200
    for _ in range(3):
        assert live.call("GET", f"/v1/users/{live.user}/feed").status_code == 200
    listed = live.call("GET", "/v1/admin/refresh-steps").json()["steps"]
    steps = [s["step"] for s in listed]
    sql_steps = [s["step"] for s in listed if s["runner"] == "sql"]  # the admin refresh ran these

    page.goto(live.base + "/dashboard")
    page.wait_for_selector("#problem:has-text('admin scope')")  # the page loads, then asks for a key
    use_key(page, live.key)
    page.wait_for_selector("#refresh tbody tr")
    assert page.locator("#refresh tbody tr").count() == len(steps)
    assert page.locator("#refresh .outcome-ok").count() == len(sql_steps)
    page.wait_for_selector("#activity svg.chart rect.col")
    assert int(page.inner_text("[data-testid=events-total] b")) >= 3
    page.wait_for_selector("[data-testid=feed-latency]")
    assert "ms" in page.inner_text("[data-testid=feed-latency]")
    assert page.locator("#embeddings .kpi").count() == 4
    assert page.locator("#experiments").is_hidden()  # no experiments yet: the section stays out of the way
    assert page.locator("#replica").is_hidden()  # no PGREC_READ_DATABASE_URL: no replica to show
    page.screenshot(path=str(screenshots / "dashboard.png"))


def test_dashboard_shows_the_read_replica(live: Live, server_url: str, page, tmp_path: Path) -> None:
    from app.cluster.replica import start_replica, stop_replica, wait_for_catch_up

    replica = start_replica(server_url, name=f"test-browser-{uuid.uuid4().hex[:8]}")
    try:
        wait_for_catch_up(replica)
        dbname = psycopg.conninfo.conninfo_to_dict(live.url)["dbname"]
        env = {**os.environ, "DATABASE_URL": live.url, "PGREC_API_EMBED_QUERIES": "false", "PGREC_API_RATE_LIMIT": "0",
               "PGREC_READ_DATABASE_URL": replica.url(dbname)}
        with serving(env, tmp_path / "api.log") as port:
            page.goto(f"http://127.0.0.1:{port}/dashboard")
            use_key(page, live.key)
            page.wait_for_selector("[data-testid=replica-behind]")
            assert page.locator("#replica").is_visible()
            assert page.inner_text("[data-testid=replica-state] b") == "replaying"
            assert "served from the standby" in page.inner_text("#replica")
    finally:
        stop_replica(replica, remove=True)


def test_evaluation_report(live: Live, page, screenshots: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    env = {**os.environ, "DATABASE_URL": live.url, "PGREC_EMBEDDING_PROVIDER": "offline"}
    result = subprocess.run([sys.executable, "-m", "app.cli", "evaluate", "--items", "300", "--users", "100",
                             "--events", "9000", "--strategies", "default,explore,popular", "--report", str(report),
                             "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    names = {r["name"] for r in json.loads(result.stdout)["results"]}
    page.goto(report.as_uri())
    page.wait_for_selector("table.metrics")
    assert {page.inner_text(f"table.metrics tbody tr >> nth={n} >> td >> nth=0")
            for n in range(page.locator("table.metrics tbody tr").count())} == names
    assert page.locator("svg").count() == 4
    assert all(page.locator("svg").nth(n).bounding_box()["height"] > 100 for n in range(4))
    page.screenshot(path=str(screenshots / "report.png"), full_page=True)
