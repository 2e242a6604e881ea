"""examples/profiles end to end on the profiles world: a visitor declares interests, reads one
article and bounces off another, gives a thumbs down; the profile says where each interest came
from and its version counts the changes; the site's own list is ordered for the visitor with a
stale id reported; search is expanded with the visitor's interests. Over SQL as pgrec_app."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from typing import Any, Iterator

import psycopg
import pytest
from rich.console import Console

from app.db import with_database
from app.demo import DemoSize, generate_world
from app.loader import load_dataset
from examples.profiles.personalization import Personalization
from pgrec_client import Client
from tests.helpers import APP_ROLE, as_role, login_role


@pytest.fixture(scope="module")
def world(server_url: str, template_url: str) -> Iterator[tuple[str, Any]]:
    name = f"pgrec_example_profiles_{uuid.uuid4().hex[:8]}"
    template = psycopg.conninfo.conninfo_to_dict(template_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    url = with_database(server_url, name)
    ds = generate_world("profiles", DemoSize(items=150, users=60, events=2000, days=45, seed=7),
                        now=datetime.now(timezone.utc))
    load_dataset(url, ds, console=Console(file=open(os.devnull, "w")))
    login_role(server_url, APP_ROLE, "pgrec_app")
    yield as_role(url, APP_ROLE), ds
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def site(world: tuple[str, Any]) -> Iterator[Personalization]:
    with psycopg.connect(world[0], autocommit=True) as conn:
        yield Personalization(Client.sql(conn))


def tagged(ds: Any, tag: str) -> list[str]:
    return [i["id"] for i in ds.items if tag in i["tags"]]


def test_feedback_builds_a_profile_that_orders_the_sites_lists(world: tuple[str, Any], site: Personalization) -> None:
    ds = world[1]
    site.declare_interests("reader", {"category:languages": 2})
    profile, _ = site.about_me("reader")
    assert {i.tag: i.source for i in profile.interests} == {"category:languages": "declared"}
    declared_version = profile.version

    # Reads a cooking article to the end, bounces off a languages one.
    cooking = tagged(ds, "category:cooking") or tagged(ds, "category:food")
    read = cooking[0] if cooking else next(i["id"] for i in ds.items if "category:languages" not in i["tags"])
    read_tags = next(i["tags"] for i in ds.items if i["id"] == read)
    site.clicked("reader", read, source="home", position=3)
    site.viewed("reader", read, seconds=240, scroll_depth=0.95)
    bounced = tagged(ds, "category:languages")[0]
    site.viewed("reader", bounced, seconds=2, scroll_depth=0.05)

    profile, history = site.about_me("reader")
    assert profile.version > declared_version and [v.version for v in history][0] == profile.version
    sources = {i.tag: i.source for i in profile.interests}
    category = next(t for t in read_tags if t.startswith("category:"))
    assert sources[category] == "behaviour"
    assert all(0 < i.confidence <= 1 for i in profile.interests)
    assert any(a.tag in next(i["tags"] for i in ds.items if i["id"] == bounced) for a in profile.aversions)
    assert {v.cause for v in history} >= {"events"}

    # The site's own category page, with one id its index still has but pgrec does not.
    candidates = tagged(ds, category)[:20] + tagged(ds, "category:languages")[:20] + ["retired-article"]
    ranked, unknown = site.order("reader", candidates)
    assert unknown == ["retired-article"]
    assert ranked and [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    top = next(i for i in ds.items if i["id"] == ranked[0].item_id)
    assert category in top["tags"] or "category:languages" in top["tags"]


def test_search_is_expanded_with_the_visitors_interests(world: tuple[str, Any], site: Personalization) -> None:
    ds = world[1]
    site.declare_interests("searcher", {"topic:japanese": 3})
    word = next(i["title"].split()[0].strip(":").lower() for i in ds.items if "topic:japanese" in i["tags"])
    rows, added = site.search("searcher", word)
    assert rows and added and all("japanese" in term for term in added)
    # Expansion re-ranks what the query matches; it matches nothing the query alone does not.
    assert {r.item_id for r in rows} <= {r.item_id for r in site.rec.search(word, n=500)}
