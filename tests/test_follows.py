"""Follows of creators: rec.follow, rec.unfollow and rec.following; a followed creator's new work
reaches the feed and the New list through the candidate source "following" and the signal
"behavioral"; unfollowing takes it away; replays see the follows of their moment; erasure and
export cover them."""

from __future__ import annotations

import json

import pytest

from tests.helpers import at, call, explain, feed, feed_ids, refresh, sqlstate_of


def follow(conn, *pairs: tuple[str, str], when: str | None = None) -> int:
    return call(conn, "follow", [{"user_id": u, "creator_id": c, **({"at": when} if when else {})} for u, c in pairs])


def unfollow(conn, *pairs: tuple[str, str], when: str | None = None) -> int:
    return call(conn, "unfollow", [{"user_id": u, "creator_id": c, **({"at": when} if when else {})} for u, c in pairs])


def following(conn, user: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT creator_id FROM rec.following(%s)", (user,)).fetchall()]


def latest(conn, user: str | None, strategy: str, n: int = 10) -> list[str]:
    return [r[0] for r in conn.execute("SELECT item_id FROM rec.latest(%s, 0, NULL, %s, %s)",
                                       (n, strategy, user)).fetchall()]


@pytest.fixture
def studio(conn):
    """Two creators with a dozen old design projects each, popular among 8 members; `nia` liked
    two of kim's; `leo` published an illustration an hour ago that nobody has seen, and `zoe`
    thirty snapshots since."""
    at(conn)
    old = "2026-04-01T00:00:00Z"
    items = [{"id": f"kim{k}", "title": f"Kim's poster {k}", "tags": ["category:design", "tool:figma"],
              "creator_id": "kim", "created_at": old} for k in range(12)]
    items += [{"id": f"max{k}", "title": f"Max's poster {k}", "tags": ["category:design", "tool:figma"],
               "creator_id": "max", "created_at": old} for k in range(12)]
    items += [{"id": "leo-new", "title": "Leo's first poster", "tags": ["category:illustration", "tool:figma"],
               "creator_id": "leo", "created_at": "2026-06-01T11:00:00Z"}]
    # Newer than leo's: the "fresh" source's share of a feed is taken by these.
    items += [{"id": f"snap{k}", "title": f"Snapshot {k}", "tags": ["category:photo"], "creator_id": "zoe",
               "created_at": f"2026-06-01T11:{10 + k:02d}:00Z"} for k in range(30)]
    call(conn, "upsert_items", items)
    events = [{"user_id": f"fan{u}", "item_id": f"{c}{k}", "type": "like", "at": "2026-05-20T00:00:00Z"}
              for u in range(8) for c in ("kim", "max") for k in range(12)]
    events += [{"user_id": "nia", "item_id": f"kim{k}", "type": "like", "at": "2026-05-30T00:00:00Z"} for k in range(2)]
    call(conn, "track", events)
    call(conn, "upsert_users", [{"id": "nia", "preferences": {"preferred_tags": ["category:design", "tool:figma",
                                                                                  "topic:posters"]}}])
    refresh(conn)
    return conn


def test_following_a_creator_brings_their_new_work_into_the_feed_and_unfollowing_takes_it_away(studio) -> None:
    assert "leo-new" not in feed_ids(studio, "nia", 20, strategy="explore")
    assert follow(studio, ("nia", "leo")) == 1
    assert following(studio, "nia") == ["leo"]
    page = feed(studio, "nia", 10, strategy="explore")
    ids = [r[0] for r in page]
    # Nobody engaged with it and it has no neighbours: the "following" source proposed it, and
    # the follow term puts it among the first (beside kim's, whose creator nia liked).
    assert "leo-new" in ids[:5], ids
    reasons = page[ids.index("leo-new")][2]
    assert reasons["terms"]["behavioral"] > 0 and "from a creator you follow" in reasons["reasons"]
    x = explain(studio, "nia", "leo-new", "explore")
    assert x["candidate"] and x["details"]["creator_followed"] is True and x["signals"]["behavioral"] == pytest.approx(1, abs=0.01)

    assert unfollow(studio, ("nia", "leo")) == 1
    assert following(studio, "nia") == []
    assert "leo-new" not in feed_ids(studio, "nia", 20, strategy="explore")
    assert explain(studio, "nia", "leo-new", "explore")["details"]["creator_followed"] is False
    assert unfollow(studio, ("nia", "leo")) == 0  # not followed any more: nothing to end


def test_a_followed_creators_old_work_counts_less_than_their_new_work(studio) -> None:
    follow(studio, ("nia", "max"))
    old = explain(studio, "nia", "max3", "explore")["signals"]["behavioral"]
    new = explain(studio, "nia", "leo-new", "explore")["signals"]["behavioral"]
    follow(studio, ("nia", "leo"))
    followed_new = explain(studio, "nia", "leo-new", "explore")["signals"]["behavioral"]
    # max3 is two months old (explore's recency tau is 14 days): the follow has faded for it.
    assert new == 0 and 0 < old < 0.05 and followed_new > 0.9
    # A liked creator still counts as before: nia liked two of kim's.
    assert explain(studio, "nia", "kim5", "explore")["signals"]["behavioral"] == pytest.approx(2 / 3)


def test_new_lists_followed_creators_first_with_explore_new(studio) -> None:
    at(studio, "2026-06-01T12:00:00Z")
    # Plain latest: the newest first, for anyone; leo's comes after zoe's thirty.
    assert latest(studio, None, "latest", 40).index("leo-new") == 30
    assert latest(studio, "nia", "latest", 40).index("leo-new") == 30
    follow(studio, ("nia", "leo"))
    # explore_new: leo's (followed, and figma like nia's interests) ahead of newer snapshots.
    assert latest(studio, "nia", "explore_new", 40)[0] == "leo-new"
    # A visitor gets the chronological list from the same strategy.
    assert latest(studio, None, "explore_new", 40).index("leo-new") == 30


def test_follows_respect_the_replay_clock(studio) -> None:
    follow(studio, ("nia", "leo"), when="2026-05-31T00:00:00Z")
    unfollow(studio, ("nia", "leo"), when="2026-06-01T06:00:00Z")
    at(studio, "2026-05-30T00:00:00Z")
    assert following(studio, "nia") == []
    at(studio, "2026-06-01T00:00:00Z")
    assert following(studio, "nia") == ["leo"]
    at(studio)
    assert following(studio, "nia") == []
    # Following again starts anew; a retried follow from before the unfollow does not.
    assert follow(studio, ("nia", "leo"), when="2026-05-31T00:00:00Z") == 0
    assert following(studio, "nia") == []
    assert follow(studio, ("nia", "leo")) == 1 and follow(studio, ("nia", "leo")) == 0
    assert following(studio, "nia") == ["leo"]


@pytest.mark.parametrize("batch, sqlstate", [
    (None, "22004"),
    ({"user_id": "nia", "creator_id": "leo"}, "22023"),                          # not an array
    ([{"user_id": "nia"}], "22004"),                                              # creator missing
    ([{"creator_id": "leo"}], "22004"),                                           # user missing
    ([{"user_id": "nia", "creator_id": "nia"}], "22023"),                         # oneself
    ([{"user_id": "nia", "creator_id": "leo", "since": "2026-01-01"}], "22023"),  # unknown key
    ([{"user_id": "nia", "creator_id": "x" * 201}], "22023"),
    ([{"user_id": "nia", "creator_id": "leo", "at": "yesterday"}], "22023"),
    ([{"user_id": "nia", "creator_id": "leo", "at": "2026-06-05T00:00:00Z"}], "22023"),  # days ahead
    ([{"user_id": "nia", "creator_id": "leo"}] * 10_001, "22023"),
])
@pytest.mark.parametrize("function", ["follow", "unfollow"])
def test_bad_follows_are_refused_and_nothing_is_stored(studio, function, batch, sqlstate) -> None:
    error = sqlstate_of(studio, lambda: studio.execute(f"SELECT rec.{function}(%s::jsonb)",
                                                      (None if batch is None else json.dumps(batch),)))
    assert error.diag.sqlstate == sqlstate
    assert following(studio, "nia") == []


def test_a_bad_element_rejects_the_whole_batch(studio) -> None:
    error = sqlstate_of(studio, lambda: follow(studio, ("nia", "leo"), ("nia", "nia")))
    assert error.diag.sqlstate == "22023" and "follows[1]" in error.diag.message_primary
    assert following(studio, "nia") == []


def test_forget_user_erases_their_follows_and_the_follows_of_them_and_export_lists_them(studio) -> None:
    follow(studio, ("nia", "leo"), ("fan1", "nia"), ("fan1", "kim"))
    exported = studio.execute("SELECT rec.export_user('nia')").fetchone()[0]
    assert [f["creator_id"] for f in exported["other"]["follows"]] == ["leo"]
    erased = studio.execute("SELECT rec.forget_user('nia')").fetchone()[0]["erased"]
    assert erased["follows"] == 1 and erased["followers"] == 1
    assert following(studio, "fan1") == ["kim"]
    # An erased user cannot be brought back by a late follow.
    error = sqlstate_of(studio, lambda: follow(studio, ("nia", "max")))
    assert error.diag.sqlstate == "22023"
    # Unknown users are created by a follow, as by rec.track.
    assert follow(studio, ("newcomer", "kim")) == 1 and following(studio, "newcomer") == ["kim"]


def test_personalisation_off_ignores_follows(studio) -> None:
    follow(studio, ("nia", "leo"))
    call(studio, "upsert_users", [{"id": "nia", "preferences": {"personalization": False}}])
    x = explain(studio, "nia", "leo-new", "explore")
    assert x["details"]["creator_followed"] is False and "behavioral" not in x["weights"]
