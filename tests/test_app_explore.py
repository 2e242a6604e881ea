"""The explore page as a host application builds it, end to end through the HTTP API, on the
explore demo world (members, creators, projects, follows, quiz answers, months of events):
a new member takes the quiz and gets a personal first feed before any event, and their likes
change the next one; the three tabs (For You, New, Trending) and search; a creator publishes
and the project appears in New and, through the follow, in a follower's feed; unfollowing
takes it away. examples/explore/README.md shows the same calls.

The API connects as a login role in pgrec_app only (the operator's calls as one in
pgrec_admin), as in production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

import psycopg
import pytest
from litestar.testing import TestClient

from app.demo import DemoSize
from tests.helpers import ADMIN_ROLE, APP_ROLE, api_client, as_role, demo_database, ensure_roles

SIZE = DemoSize(items=400, users=250, events=8000, days=60, seed=7)


@dataclass
class ExplorePage:
    url: str
    app: TestClient  # the host application's back end (read + write)
    ops: TestClient  # its operator (admin)
    headers: dict[str, str]

    def get(self, path: str, **params: Any) -> Any:
        response = self.app.get(path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, method: str, path: str, body: Any = None) -> Any:
        response = self.app.request(method, path, json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def ids(self, path: str, **params: Any) -> list[str]:
        return [i["item_id"] for i in self.get(path, **params)["items"]]

    def items(self, ids: list[str]) -> dict[str, dict]:
        return {i["item_id"]: i for i in self.send("POST", "/v1/items/lookup", {"item_ids": ids})["items"]}

    def sql(self, statement: str, params: Any = None) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(statement, params).fetchall()


@pytest.fixture(scope="module")
def page(server_url: str, template_url: str) -> Iterator[ExplorePage]:
    ensure_roles(server_url)
    with demo_database(server_url, template_url, "pgrec_app_explore", "explore", SIZE) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            key = conn.execute("SELECT secret FROM rec.create_api_key('explore-page', "
                               "ARRAY['read', 'write', 'admin'])").fetchone()[0]
        with api_client(as_role(url, APP_ROLE)) as app, api_client(as_role(url, ADMIN_ROLE)) as ops:
            yield ExplorePage(url, app, ops, {"Authorization": f"Bearer {key}"})


def category(item: dict) -> str:
    return next(t for t in item["tags"] if t.startswith("category:"))


def test_a_new_member_takes_the_quiz_gets_a_personal_first_feed_and_likes_change_it(page: ExplorePage) -> None:
    user = "newcomer-ana"
    status = page.get(f"/v1/users/{user}/status")
    assert status["known"] is False and status["needs_onboarding"] is True
    as_visitor = page.ids(f"/v1/users/{user}/feed", strategy="explore")

    quiz = page.get("/v1/onboarding/questions", questionnaire="explore")["questions"]
    assert [q["question_id"] for q in quiz] == ["explore_make", "explore_tools", "explore_level"]
    assert quiz[0]["multiple"] and not quiz[2]["multiple"]
    # What the member makes: the world's busiest category and its two most used tools.
    made, tools = page.sql("""
        WITH c AS (SELECT t.value AS made, i.id FROM pgrec.items i JOIN pgrec.tags t ON t.id = ANY (i.tag_ids)
                   WHERE t.kind = 'category' AND i.status = 'active'),
             top AS (SELECT made FROM c GROUP BY made ORDER BY count(*) DESC, made LIMIT 1)
        SELECT top.made, (SELECT array_agg(x.value ORDER BY x.n DESC, x.value) FROM (
                   SELECT t.value, count(*) AS n FROM c JOIN pgrec.items i ON i.id = c.id
                   JOIN pgrec.tags t ON t.id = ANY (i.tag_ids) WHERE c.made = top.made AND t.kind = 'tool'
                   GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2) AS x)
        FROM top""")[0]
    assert set(tools) <= {o["id"] for o in quiz[1]["options"]}
    answers = {"explore_make": [made], "explore_tools": tools, "explore_level": "beginner"}
    assert page.send("POST", f"/v1/users/{user}/onboarding", answers)["preferences_written"] == 4
    status = page.get(f"/v1/users/{user}/status")
    assert status["personalized"] is True and status["needs_onboarding"] is False and status["counts"]["events"] == 0

    # The first feed, before any event: the quiz's interests lead it (at most three of a
    # category per ten, explore's cap), each with the reason it was picked.
    first = page.get(f"/v1/users/{user}/feed", strategy="explore")["items"]
    assert len(first) == 20
    items = page.items([i["item_id"] for i in first])
    theirs = [i["item_id"] for i in first if category(items[i["item_id"]]) == f"category:{made}"]
    visitor_theirs = sum(category(v) == f"category:{made}" for v in page.items(as_visitor).values())
    assert len(theirs) >= 5 and len(theirs) > visitor_theirs
    assert all(first[0]["reasons"]["reasons"])
    assert any(r.startswith("matches your interest in") for i in first[:5] for r in i["reasons"]["reasons"])
    assert any("explicit" in i["reasons"]["terms"] for i in first[:3])

    # Likes: the liked projects leave the feed (explore leaves out what was acted on) and what
    # follows from them comes in.
    liked = theirs[:3]
    page.send("POST", "/v1/events", [{"user_id": user, "item_id": i, "type": "like", "context": {"source": "for_you"}}
                                     for i in liked])
    second = page.get(f"/v1/users/{user}/feed", strategy="explore")["items"]
    second_ids = [i["item_id"] for i in second]
    assert not set(liked) & set(second_ids) and second_ids != [i["item_id"] for i in first]
    # The likes now speak: the liked projects' creators (behavioral) and their neighbours
    # (collaborative) rank projects that the quiz alone did not.
    assert any({"behavioral", "collaborative"} & set(i["reasons"]["terms"]) for i in second)
    assert any(r.startswith(("from a creator you", "because you liked")) for i in second for r in i["reasons"]["reasons"])
    assert page.get(f"/v1/users/{user}/status")["counts"]["positive_events"] == 3


def test_the_tabs_new_trending_and_search(page: ExplorePage) -> None:
    member = page.sql("SELECT u.external_id FROM pgrec.users u JOIN pgrec.events e ON e.user_id = u.id "
                      "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")[0][0]
    # New, for a visitor: newest first.
    newest = page.ids("/v1/latest", strategy="explore_new", n=20)
    created = [datetime.fromisoformat(page.items(newest)[i]["created_at"]) for i in newest]
    assert len(newest) == 20 and created == sorted(created, reverse=True)
    # ... and for a member, the same newest projects with a light personal order.
    personal = page.get("/v1/latest", strategy="explore_new", user_id=member, n=20)["items"]
    assert len({i["item_id"] for i in personal} & set(newest)) >= 12
    assert all("recency" in i["reasons"]["terms"] for i in personal)

    # Trending: engagement velocity of the last 24 hours, refreshed every five minutes.
    trending = page.get("/v1/trending", strategy="explore_trending", user_id=member, n=10)["items"]
    assert trending and all("trending" in i["reasons"]["terms"] for i in trending)
    steps = {s["step"]: s for s in page.ops.get("/v1/admin/refresh-steps", headers=page.headers).json()["steps"]}
    assert steps["trending"]["every_seconds"] == 300 and steps["stats"]["every_seconds"] == 3600

    # Search: words (and meaning, when the query can be embedded), the member's interests as
    # a tie-breaker.
    word = page.items(newest[:1])[newest[0]]["title"].split()[1]
    found = page.get("/v1/search", q=word, user_id=member, n=10)
    assert found["items"] and all(word.lower() in (page.items([i["item_id"]])[i["item_id"]]["title"] + " "
                                                   + page.items([i["item_id"]])[i["item_id"]]["description"]).lower()
                                  for i in found["items"])


def test_a_creator_publishes_and_followers_see_it_until_they_unfollow(page: ExplorePage) -> None:
    fan, other = "newcomer-bo", "newcomer-cy"
    for user in (fan, other):
        page.send("POST", f"/v1/users/{user}/onboarding",
                  {"explore_make": ["music"], "explore_tools": ["guitar"], "explore_level": "intermediate"})
    assert page.send("PUT", f"/v1/users/{fan}/follows/studio-x")["started"] == 1
    assert page.send("PUT", f"/v1/users/{fan}/follows/studio-x")["started"] == 0
    assert [f["creator_id"] for f in page.get(f"/v1/users/{fan}/follows")["follows"]] == ["studio-x"]

    # 45 other projects appear after studio-x's, so it is not among the newest a feed looks at.
    page.send("PUT", "/v1/items", [{"id": "studio-x-1", "title": "Four chords, one loop pedal",
                                    "tags": ["category:music", "tool:guitar", "topic:looping", "level:beginner"],
                                    "creator_id": "studio-x"}])
    visitor_new = page.ids("/v1/latest", strategy="explore_new", n=5)
    assert visitor_new[0] == "studio-x-1"  # New: first for everybody, the moment it is published
    page.send("PUT", "/v1/items", [{"id": f"batch-{k}", "title": f"Sketch {k}", "tags": ["category:design"],
                                    "creator_id": "studio-y"} for k in range(45)])

    mine = page.get(f"/v1/users/{fan}/feed", strategy="explore")["items"]
    found = next((i for i in mine if i["item_id"] == "studio-x-1"), None)
    assert found is not None, [i["item_id"] for i in mine]
    assert "from a creator you follow" in found["reasons"]["reasons"]
    theirs = page.ids(f"/v1/users/{other}/feed", strategy="explore")
    assert "studio-x-1" not in theirs
    # In the follower's New tab it stays ahead of the 45 newer projects.
    assert page.ids("/v1/latest", strategy="explore_new", user_id=fan, n=5)[0] == "studio-x-1"
    assert page.ids("/v1/latest", strategy="explore_new", n=50).index("studio-x-1") == 45

    assert page.send("DELETE", f"/v1/users/{fan}/follows/studio-x")["ended"] == 1
    assert page.get(f"/v1/users/{fan}/follows")["follows"] == []
    assert "studio-x-1" not in page.ids(f"/v1/users/{fan}/feed", strategy="explore")
    # In New it may stay ahead by the fan's interests (music, guitar), no longer by the follow.
    row = next(i for i in page.get("/v1/latest", strategy="explore_new", user_id=fan, n=50)["items"]
               if i["item_id"] == "studio-x-1")
    assert "behavioral" not in row["reasons"]["terms"] and "tags" in row["reasons"]["terms"]


def test_the_worlds_follows_shape_their_followers_feeds(page: ExplorePage) -> None:
    # A member who follows creators with live projects gets some of them, for that reason.
    (member,) = page.sql("""
        SELECT u.external_id FROM pgrec.follows f JOIN pgrec.users u ON u.id = f.user_id
        JOIN pgrec.items i ON i.creator_id = f.creator_id AND i.status = 'active'
        WHERE f.unfollowed_at IS NULL
        GROUP BY 1 ORDER BY count(DISTINCT f.creator_id) DESC, 1 LIMIT 1""")[0]
    follows = page.get(f"/v1/users/{member}/follows")["follows"]
    assert follows and all(f["items"] >= 0 for f in follows)
    feed = page.get(f"/v1/users/{member}/feed", strategy="explore", n=30)["items"]
    assert any("from a creator you follow" in i["reasons"]["reasons"] for i in feed)
    exported = page.get(f"/v1/users/{member}/export")
    assert {f["creator_id"] for f in exported["other"]["follows"] if f["unfollowed_at"] is None} == \
        {f["creator_id"] for f in follows}


def test_the_examples_sql_runs_on_the_explore_world(page: ExplorePage) -> None:
    """examples/explore/README.md's SQL, as written: every statement answers with rows."""
    from tests.helpers import example_sql

    with psycopg.connect(page.url, autocommit=True) as conn:
        for statement in example_sql("explore"):
            assert conn.execute(statement).fetchall(), statement
