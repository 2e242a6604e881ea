"""examples/host_app end to end on the demo dataset: the seed fills the app's own listings table,
the app (in-process, Litestar's test client) serves it in pgrec's order, and a like goes back
to pgrec and changes the next page.

The app connects as a login role with pgrec_app and SELECT on its table only, as its README
tells a host app to set up.
"""

from __future__ import annotations

import html
import re
from typing import Iterator

import psycopg
import pytest
from litestar.testing import TestClient

from examples.host_app.app import create_app
from examples.host_app.seed import DEMO_ITEMS, seed
from tests.helpers import as_role, demo_database

ROLE = "pgrec_host_app_test"


@pytest.fixture(scope="module")
def demo_url(server_url: str, template_url: str) -> Iterator[str]:
    with demo_database(server_url, template_url, "pgrec_host_app") as url:
        yield url


@pytest.fixture(scope="module")
def host(demo_url: str) -> Iterator[TestClient]:
    assert seed(demo_url) == len(DEMO_ITEMS)
    assert seed(demo_url) == len(DEMO_ITEMS)  # a second run updates instead of failing
    with psycopg.connect(demo_url, autocommit=True) as conn:
        conn.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
                     f"CREATE ROLE {ROLE} LOGIN; END IF; END $$")
        conn.execute(f"GRANT pgrec_app TO {ROLE}")
        conn.execute(f"GRANT SELECT ON public.listings TO {ROLE}")
        # A listing the shop took down: the app no longer has it, so the page must not show it.
        conn.execute("DELETE FROM public.listings WHERE id = (SELECT item_id FROM rec.feed('u2', 1))")
    with TestClient(create_app(as_role(demo_url, ROLE))) as client:
        yield client


def feed(url: str, user: str, n: int = 20) -> list[tuple[str, str]]:
    """(item id, title) of rec.feed, straight from SQL."""
    with psycopg.connect(url) as conn:
        ids = [r[0] for r in conn.execute("SELECT item_id FROM rec.feed(%s, %s)", (user, n))]
        titles = dict(conn.execute("SELECT item_id, title FROM rec.items(%s)", (ids,)).fetchall())
    return [(i, titles[i]) for i in ids]


def test_seed_copies_the_demo_catalogue(demo_url: str, host: TestClient) -> None:
    with psycopg.connect(demo_url) as conn:
        assert conn.execute("SELECT count(*) FROM public.listings").fetchone()[0] == len(DEMO_ITEMS) - 1
        title = conn.execute("SELECT title FROM public.listings WHERE id = 'i1'").fetchone()[0]
        assert title == conn.execute("SELECT title FROM rec.items(ARRAY['i1'])").fetchone()[0]


def test_json_is_the_feed_in_pgrecs_order(demo_url: str, host: TestClient) -> None:
    response = host.get("/api/listings", params={"user": "u1", "n": 10})
    assert response.status_code == 200, response.text
    listings = response.json()
    expected = [i for i, _ in feed(demo_url, "u1", 10)]
    with psycopg.connect(demo_url) as conn:  # the listing taken down (u2's first) may be in u1's feed too
        listed = {r[0] for r in conn.execute("SELECT id FROM public.listings WHERE id = ANY (%s)", (expected,))}
    assert [x["id"] for x in listings] == [i for i in expected if i in listed] and len(listed) >= 9
    assert all(x["why"] and isinstance(x["score"], float) and x["title"] for x in listings)


def test_a_listing_the_app_no_longer_has_is_not_shown(demo_url: str, host: TestClient) -> None:
    shown = [x["id"] for x in host.get("/api/listings", params={"user": "u2", "n": 5}).json()]
    assert shown == [i for i, _ in feed(demo_url, "u2", 5)][1:]


def test_page_lists_titles_in_order_and_a_like_changes_it(demo_url: str, host: TestClient) -> None:
    page = host.get("/", params={"user": "u7"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    expected = feed(demo_url, "u7")
    with psycopg.connect(demo_url) as conn:  # the listing taken down (u2's first) may be in u7's feed too
        listed = {r[0] for r in conn.execute("SELECT id FROM public.listings WHERE id = ANY (%s)",
                                             ([i for i, _ in expected],))}
    titles = [html.unescape(t) for t in re.findall(r"<li><b>(.*?)</b>", page.text)]
    assert titles == [t for i, t in expected if i in listed] and len(expected) == 20 and len(titles) >= 19

    first = expected[0][0]
    liked = host.post(f"/listings/{first}/like", params={"user": "u7"}, follow_redirects=False)
    assert liked.status_code in (302, 303) and liked.headers["location"] == "/?user=u7"
    with psycopg.connect(demo_url) as conn:
        source = conn.execute("SELECT e.context->>'source' FROM pgrec.events e JOIN pgrec.items i ON i.id = e.item_id "
                              "JOIN pgrec.users u ON u.id = e.user_id WHERE u.external_id = 'u7' "
                              "AND i.external_id = %s AND e.type = 'like'", (first,)).fetchone()
    assert source == ("host_app",)
    after = [x["id"] for x in host.get("/api/listings", params={"user": "u7"}).json()]
    assert first not in after  # liked: pgrec excludes it from the very next feed
