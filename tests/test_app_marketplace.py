"""The local marketplace as a host application builds it, end to end through the HTTP API, on
the marketplace demo world (posters, listings with a place and pay in five cities, seekers
with preferences, months of views, clicks, saves, applications and dismissals): a seeker sets
a maximum distance and far listings leave; pay range, preferred and blocked tags and
personalisation are preferences set with PATCH; applying takes a listing out of the feed, and
the exclude_seen / exclude_applied switches decide what may come back; trending over some
hours, nearby and similar listings; a poster publishes a listing near the seeker; the operator
reads CTR, apply and save rates, coverage and the score distribution. examples/marketplace
shows the same calls.

The API connects as a login role in pgrec_app only (the operator's calls as one in
pgrec_admin), as in production."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import psycopg
import pytest
from litestar.testing import TestClient

from app.demo import DemoSize
from tests.helpers import ADMIN_ROLE, APP_ROLE, api_client, as_role, demo_database, ensure_roles

SIZE = DemoSize(items=400, users=250, events=8000, days=60, seed=7)
BERLIN = {"lat": 52.52, "lon": 13.405}


@dataclass
class Marketplace:
    url: str
    app: TestClient  # the host application's back end (read + write)
    ops: TestClient  # its operator (admin)
    headers: dict[str, str]

    def call(self, method: str, path: str, body: Any = None, client: TestClient | None = None, **params: Any) -> Any:
        response = (client or self.app).request(method, path, json=body, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def feed(self, user: str, **params: Any) -> list[dict]:
        return self.call("GET", f"/v1/users/{user}/feed", **{"strategy": "marketplace", "n": 30, **params})["items"]

    def listings(self, ids: list[str]) -> dict[str, dict]:
        return {i["item_id"]: i for i in self.call("POST", "/v1/items/lookup", {"item_ids": ids})["items"]}

    def sql(self, statement: str, params: Any = None) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(statement, params).fetchall()

    def seeker(self, user: str, **preferences: Any) -> None:
        self.call("PUT", "/v1/users", [{"id": user, "location": BERLIN, "preferences": preferences}])


def ids(items: list[dict]) -> list[str]:
    return [i["item_id"] for i in items]


def km(items: list[dict]) -> dict[str, float]:
    """Distance of each located listing (reasons.distance_km; online listings have none)."""
    return {i["item_id"]: i["reasons"]["distance_km"] for i in items if "distance_km" in i["reasons"]}


@pytest.fixture(scope="module")
def market(server_url: str, template_url: str) -> Iterator[Marketplace]:
    ensure_roles(server_url)
    with demo_database(server_url, template_url, "pgrec_app_market", "marketplace", SIZE) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            key = conn.execute("SELECT secret FROM rec.create_api_key('marketplace', "
                               "ARRAY['read', 'write', 'admin'])").fetchone()[0]
        with api_client(as_role(url, APP_ROLE)) as app, api_client(as_role(url, ADMIN_ROLE)) as ops:
            yield Marketplace(url, app, ops, {"Authorization": f"Bearer {key}"})


def test_a_seeker_sets_a_maximum_distance_and_far_listings_leave(market: Marketplace) -> None:
    market.seeker("seeker-mia")
    before = market.feed("seeker-mia")
    far = {i for i, d in km(before).items() if d > 4}
    assert len(before) == 30 and far, km(before)
    # A local product: without a maximum of the seeker's own, listings of other cities stay out
    # (the marketplace's distance limit, 100 km); remote work (no place) does not.
    assert all(d <= 100 for d in km(before).values()), km(before)
    cities = market.sql("SELECT count(*) FROM pgrec.items WHERE lat IS NOT NULL AND status = 'active' "
                        "AND abs(lat - 52.52) > 5")[0][0]
    assert cities > 0  # there were listings elsewhere to leave out
    # Near first (on average: distance is a quarter of the blend), and the location term follows
    # exp(-d / (50 km / 3)) without a limit (a listing in another city scores nothing there).
    top, rest = list(km(before[:10]).values()), list(km(before[10:]).values())
    assert sum(top) / len(top) < sum(rest) / len(rest), km(before)
    a, b = next(i for i in before if "distance_km" in i["reasons"]), max((i for i in before if i["reasons"].get("distance_km", 99) < 50),
                          key=lambda i: i["reasons"]["distance_km"])
    assert a["reasons"]["terms"]["location"] / b["reasons"]["terms"]["location"] == pytest.approx(
        math.exp((b["reasons"]["distance_km"] - a["reasons"]["distance_km"]) / (50 / 3)), rel=1e-2)

    assert market.call("PATCH", "/v1/users/seeker-mia/preferences", {"max_distance_km": 4})["written"] == 1
    after = market.feed("seeker-mia")
    assert after and all(d <= 4 for d in km(after).values()), km(after)
    assert not far & set(ids(after))
    # Within the limit the decay is steeper: exp(-d / (4 / 3)).
    some = next(i for i in after if "distance_km" in i["reasons"])
    expected = math.exp(-some["reasons"]["distance_km"] / (4 / 3))
    weights_sum = sum(some["reasons"]["terms"].values())
    assert some["reasons"]["terms"]["location"] > 0 and weights_sum == pytest.approx(some["score"], abs=1e-9)
    x = market.call("GET", f"/v1/users/seeker-mia/items/{some['item_id']}/explain", strategy="marketplace")
    assert x["signals"]["location"] == pytest.approx(expected, rel=1e-3)


def test_pay_range_preferred_and_blocked_tags_and_personalisation_are_preferences(market: Marketplace) -> None:
    market.seeker("seeker-noa")
    base = market.feed("seeker-noa")
    categories = [next(t for t in market.listings([i])[i]["tags"] if t.startswith("category:")) for i in ids(base)]
    blocked = categories[0]
    market.call("PATCH", "/v1/users/seeker-noa/preferences", {"blocked_tags": [blocked]})
    assert not any(blocked in market.listings([i])[i]["tags"] for i in ids(market.feed("seeker-noa")))

    # A preferred category: its listings get the tags term (weighted Jaccard, 15 % of the cold
    # blend, 20 % of marketplace) and move up; distance still leads, as the product wants.
    kept = market.feed("seeker-noa")
    kept_categories = [next(t for t in market.listings([i])[i]["tags"] if t.startswith("category:")) for i in ids(kept)]
    wanted = max(set(kept_categories), key=lambda c: (kept_categories.count(c), c))
    market.call("PATCH", "/v1/users/seeker-noa/preferences", {"preferred_tags": {wanted: 2}})
    preferred = market.feed("seeker-noa")
    wanted_rows = [n for n, i in enumerate(preferred) if wanted in market.listings([i["item_id"]])[i["item_id"]]["tags"]]
    assert wanted_rows and all(preferred[n]["reasons"]["terms"].get("tags", 0) > 0 for n in wanted_rows)
    assert not any(preferred[n]["reasons"]["terms"].get("tags", 0) > 0
                   for n in range(len(preferred)) if n not in wanted_rows)
    before_rows = [n for n, c in enumerate(kept_categories) if c == wanted]
    assert sum(wanted_rows[:len(before_rows)]) < sum(before_rows)

    prices = sorted(float(v["price"]) for v in market.listings(ids(base)).values() if v["price"] is not None)
    floor = prices[len(prices) // 2]
    market.call("PATCH", "/v1/users/seeker-noa/preferences", {"price_min": floor})
    paid = market.feed("seeker-noa")
    assert all("price" in i["reasons"]["terms"] for i in paid)
    looked_up = market.listings(ids(paid))
    by_pay = [i["reasons"]["terms"]["price"] for i in paid if float(looked_up[i["item_id"]]["price"]) >= floor]
    below = [i["reasons"]["terms"]["price"] for i in paid if float(looked_up[i["item_id"]]["price"]) < floor]
    assert by_pay and all(p >= max(below, default=0) for p in by_pay)

    # Personalisation off: what a visitor gets (blocked tags still hold).
    market.call("PATCH", "/v1/users/seeker-noa/preferences", {"personalization": False})
    off = market.feed("seeker-noa")
    visitor = [i for i in ids(market.feed("never-seen-visitor", n=60)) if blocked not in market.listings([i])[i]["tags"]]
    assert len(off) == 30 and ids(off) == visitor[:30]


def test_applying_takes_a_listing_out_and_the_switches_choose_what_comes_back(market: Marketplace) -> None:
    market.seeker("seeker-ole")
    top = ids(market.feed("seeker-ole"))[:6]
    applied, saved, dismissed, viewed = top[0], top[1], top[2], top[3:]
    market.call("POST", "/v1/events", [
        *({"user_id": "seeker-ole", "item_id": i, "type": "view", "value": 40, "context": {"source": "feed"}}
          for i in top),
        {"user_id": "seeker-ole", "item_id": applied, "type": "apply"},
        {"user_id": "seeker-ole", "item_id": saved, "type": "save"},
        {"user_id": "seeker-ole", "item_id": dismissed, "type": "dismiss"}])

    default = set(ids(market.feed("seeker-ole")))
    assert not set(top) & default  # seen, applied, saved or dismissed: none comes back
    seen_ok = set(ids(market.feed("seeker-ole", exclude_seen="false", exclude_applied="true", n=60)))
    assert applied not in seen_ok and dismissed not in seen_ok
    assert saved in seen_ok and set(viewed) & seen_ok
    everything = set(ids(market.feed("seeker-ole", exclude_seen="false", exclude_applied="false", n=60)))
    assert applied in everything and dismissed not in everything
    # The same as a policy name; both at once is a 400 naming the field.
    assert set(ids(market.feed("seeker-ole", exclusion_policy="unapplied", n=60))) == seen_ok
    response = market.app.get("/v1/users/seeker-ole/feed", params={"exclusion_policy": "unseen", "exclude_seen": "false"},
                              headers=market.headers)
    assert response.status_code == 400 and response.json()["error"]["field"] == "exclusion_policy"
    response = market.app.get("/v1/users/seeker-ole/feed", params={"exclusion_policy": "everything"},
                              headers=market.headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "exclusion_policy"


def test_trending_over_some_hours_nearby_and_similar_listings(market: Marketplace) -> None:
    market.seeker("seeker-pia")
    trending = market.call("GET", "/v1/trending", hours=72, strategy="marketplace_trending", user_id="seeker-pia")["items"]
    assert trending and all("trending" in i["reasons"]["terms"] for i in trending)
    assert any(r.endswith("3 days") or "in the last 3 days" in r for i in trending for r in i["reasons"]["reasons"])
    for params, field in (({"hours": 2, "window": "2 hours"}, "hours"), ({"hours": 0}, "window")):
        response = market.app.get("/v1/trending", params=params, headers=market.headers)
        assert response.status_code in (400, 422) and response.json()["error"]["field"] == field

    around = market.call("GET", "/v1/nearby", lat=BERLIN["lat"], lon=BERLIN["lon"], radius_km=3,
                         strategy="marketplace_nearby", user_id="seeker-pia")["items"]
    assert around and all(i["reasons"]["distance_km"] <= 3 for i in around)

    listing = around[0]["item_id"]
    similar = market.call("GET", f"/v1/items/{listing}/similar", strategy="marketplace_similar",
                          user_id="seeker-pia")["items"]
    tags = set(market.listings([listing])[listing]["tags"])
    assert similar and listing not in ids(similar)
    assert sum(bool(tags & set(market.listings([i])[i]["tags"])) for i in ids(similar)) >= len(similar) // 2


def test_a_poster_publishes_near_the_seeker_and_it_leads_their_feed(market: Marketplace) -> None:
    market.seeker("seeker-rae")
    before = ids(market.feed("seeker-rae"))
    now = datetime.now(timezone.utc)
    market.call("PUT", "/v1/items", [
        {"id": "gig-tonight", "title": "Dog walker tonight in Mitte", "creator_id": "poster-new",
         "tags": ["category:pet-care", "schedule:evenings", "type:gig"], "location": {"lat": 52.521, "lon": 13.406},
         "price": 18, "attributes": {"pay_unit": "hour", "currency": "EUR"},
         "expires_at": (now + timedelta(days=3)).isoformat()},
        {"id": "gig-expired", "title": "Dog walker last week", "creator_id": "poster-new",
         "tags": ["category:pet-care"], "location": {"lat": 52.521, "lon": 13.406},
         "created_at": (now - timedelta(days=9)).isoformat(), "expires_at": (now - timedelta(days=2)).isoformat()}])
    after = market.feed("seeker-rae")
    assert "gig-tonight" in ids(after)[:5] and "gig-tonight" not in before and "gig-expired" not in ids(after)
    row = next(i for i in after if i["item_id"] == "gig-tonight")
    assert any(r.startswith("new (") for r in row["reasons"]["reasons"]) and row["reasons"]["distance_km"] < 0.5


def test_the_operator_reads_ctr_apply_and_save_rates_coverage_and_the_score_distribution(market: Marketplace) -> None:
    market.seeker("seeker-sam")
    shown = ids(market.feed("seeker-sam"))  # logged as impressions by the feed endpoint
    market.call("POST", "/v1/events", [{"user_id": "seeker-sam", "item_id": shown[0], "type": "click"},
                                       {"user_id": "seeker-sam", "item_id": shown[0], "type": "apply"},
                                       {"user_id": "seeker-sam", "item_id": shown[1], "type": "save"}])
    metrics = market.call("GET", "/v1/admin/feed-metrics", client=market.ops, window="1 day")
    rows = {("total" if r["total"] else r["strategy"]): r for r in metrics["rows"]}
    m = rows["marketplace"]
    assert m["impressions"] >= 30 and m["applies"] >= 1 and m["saves"] >= 1 and m["clicks"] >= 2
    assert m["ctr"] == pytest.approx(m["clicks"] / m["impressions"])
    assert m["apply_rate"] == pytest.approx(m["applies"] / m["impressions"])
    assert 0 <= m["coverage"] <= 1 and m["users"] >= 1
    assert rows["total"]["impressions"] >= m["impressions"]
    # The read key of the application cannot see them.
    assert market.app.get("/v1/admin/feed-metrics", headers=market.headers).status_code == 403

    scores = market.call("GET", "/v1/admin/score-distribution", client=market.ops, strategy="marketplace",
                         users=5, n=10)
    assert scores["users"] == 5 and scores["rows"] > 0 and scores["min"] <= scores["p50"] <= scores["max"]
    assert sum(b["rows"] for b in scores["histogram"]) == scores["rows"]
    steps = {s["step"]: s["every_seconds"] for s in market.call("GET", "/v1/admin/refresh-steps",
                                                                client=market.ops)["steps"]}
    # The marketplace's background jobs: frequent, hourly and daily rows of pgrec.refresh_steps.
    assert steps["trending"] <= 15 * 60 and steps["stats"] == 3600
    assert steps["itemknn"] == steps["user_vectors"] == 86400


def test_the_examples_sql_runs_on_the_marketplace_world(market: Marketplace) -> None:
    """examples/marketplace/README.md's SQL, as written: every statement answers with rows."""
    from tests.helpers import example_sql

    with psycopg.connect(market.url, autocommit=True) as conn:
        for statement in example_sql("marketplace"):
            assert conn.execute(statement).fetchall(), statement
