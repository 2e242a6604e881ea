"""rec.nearby: radius, distance decay blended with engagement, validation."""

from __future__ import annotations

import pytest

from tests.helpers import (ago, assert_ranked, at, item_ids, likes, query, refresh, sqlstate_of, track, upsert_items,
                           upsert_users)


PARIS = (48.8566, 2.3522)
KM_LAT = 1 / 111.195  # degrees of latitude per km


def nearby(conn, lat, lon, radius=10.0, n=20, user=None) -> list[tuple]:
    return query(conn, "SELECT item_id, score, reasons FROM rec.nearby(%s, %s, %s, %s, %s)", (lat, lon, radius, n, user))


def north_of_paris(km: float) -> dict:
    return {"lat": PARIS[0] + km * KM_LAT, "lon": PARIS[1]}


@pytest.fixture
def world(conn):
    at(conn)
    created = ago(days=5)
    upsert_items(conn, [
        {"id": "here", "location": north_of_paris(0), "created_at": created},
        {"id": "near", "location": north_of_paris(2), "created_at": created},
        {"id": "popular_6km", "location": north_of_paris(6), "created_at": created},
        {"id": "edge", "location": north_of_paris(9.5), "created_at": created},
        {"id": "outside", "location": north_of_paris(10.5), "created_at": created},
        {"id": "nowhere", "created_at": created},
        {"id": "hidden_here", "location": north_of_paris(0), "status": "hidden", "created_at": created},
        {"id": "expired_here", "location": north_of_paris(0), "expires_at": ago(hours=1), "created_at": created},
    ])
    track(world := conn, likes("popular_6km", [f"fan{k}" for k in range(5)], ago(days=1)))
    refresh(world)
    return world


def test_inside_the_radius_only_ranked_by_distance_and_engagement(world) -> None:
    result = nearby(world, *PARIS)
    assert item_ids(result) == ["here", "popular_6km", "near", "edge"]
    assert_ranked(result)
    reasons = {r[0]: r[2] for r in result}
    assert reasons["near"]["distance_km"] == pytest.approx(2, abs=0.01)
    assert reasons["near"]["reasons"][0] == "2.0 km away"
    assert reasons["here"]["reasons"][0] == "0 m away"
    assert reasons["popular_6km"]["terms"]["engagement"] == pytest.approx(0.3)
    # A wider circle takes the outside item in.
    assert "outside" in item_ids(nearby(world, *PARIS, radius=11))
    assert item_ids(nearby(world, *PARIS, radius=1)) == ["here"]


def test_across_the_date_line_and_near_a_pole(conn) -> None:
    at(conn)
    upsert_items(conn, [{"id": "east", "location": {"lat": 0, "lon": 179.99}, "created_at": ago(days=1)},
                        {"id": "pole", "location": {"lat": 89.99, "lon": 180}, "created_at": ago(days=1)}])
    # Decoys that are closer in planar degrees but hundreds of km away fill the nearest-items
    # pool, so the items across the date line and the pole must be found another way.
    upsert_items(conn, [{"id": f"decoy_w{k}", "location": {"lat": 5, "lon": -179.99}, "created_at": ago(days=1)}
                        for k in range(350)]
                 + [{"id": f"decoy_p{k}", "location": {"lat": 88.5, "lon": 0}, "created_at": ago(days=1)}
                    for k in range(350)])
    assert item_ids(nearby(conn, 0, -179.99, 5)) == ["east"]
    assert item_ids(nearby(conn, 89.99, 0, 5)) == ["pole"]


def test_with_a_user_preferences_blocked_dismissed_and_own_items(world) -> None:
    spot = north_of_paris(3)
    upsert_items(world, [{"id": "food", "tags": ["topic:food"], "location": spot, "created_at": ago(days=5)},
                         {"id": "art", "tags": ["topic:art"], "location": spot, "created_at": ago(days=5)},
                         {"id": "spam", "tags": ["topic:spam"], "location": spot, "created_at": ago(days=5)},
                         {"id": "mine", "creator_id": "gourmet", "location": spot, "created_at": ago(days=5)}])
    upsert_users(world, [{"id": "gourmet", "preferences": {"preferred_tags": ["topic:food"], "blocked_tags": ["topic:spam"]}}])
    track(world, [{"user_id": "gourmet", "item_id": "near", "type": "dismiss", "at": ago(hours=2)}])
    anonymous = item_ids(nearby(world, *PARIS))
    assert anonymous.index("art") < anonymous.index("food")  # equal: id order
    result = nearby(world, *PARIS, user="gourmet")
    personal = item_ids(result)
    assert personal.index("food") < personal.index("art")
    assert "spam" not in personal and "mine" not in personal and "near" not in personal
    food = next(r[2] for r in result if r[0] == "food")
    assert food["terms"]["tags"] > 0 and "matches your interest in food" in food["reasons"]


@pytest.mark.parametrize("args, state", [
    ((91, 0, 10), "22023"), ((-90.5, 0, 10), "22023"), ((0, 180.1, 10), "22023"), ((0, -181, 10), "22023"),
    ((float("nan"), 0, 10), "22023"), ((0, 0, 0), "22023"), ((0, 0, -1), "22023"), ((0, 0, 501), "22023"),
    ((0, 0, float("inf")), "22023"), ((None, 0, 10), "22004"), ((0, None, 10), "22004"), ((0, 0, None), "22004"),
])
def test_bad_coordinates_and_radius(conn, args, state: str) -> None:
    assert sqlstate_of(conn, lambda: nearby(conn, *args)).diag.sqlstate == state


def test_bad_n_and_user(conn) -> None:
    assert sqlstate_of(conn, lambda: nearby(conn, 0, 0, 10, 0)).diag.sqlstate == "22023"
    assert sqlstate_of(conn, lambda: nearby(conn, 0, 0, 10, 10, " ")).diag.sqlstate == "22023"
