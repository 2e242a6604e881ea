"""Refresh steps of the hybrid feed: user vectors and the per-item / per-creator signals."""

from __future__ import annotations

import pytest

from tests.helpers import at, call, embed, refresh, vec


def vector_of(conn, user: str):
    """The taste vector a list would use for this user now (stored while current, else computed)."""
    return conn.execute("SELECT ((rec._user_context(%s, rec.now())).vector)::text", (user,)).fetchone()[0]


def test_user_vectors_are_stored_and_used_only_while_current(conn) -> None:
    at(conn)
    call(conn, "upsert_items", [{"id": i} for i in ("a", "b", "c", "plain")])
    embed(conn, "a", vec(a0=3))
    embed(conn, "b", vec(a1=1))
    embed(conn, "c", vec(a2=1))
    call(conn, "track", [{"user_id": "u", "item_id": "a", "type": "like", "at": "2026-05-01T00:00:00Z"},
                         {"user_id": "u", "item_id": "b", "type": "save", "at": "2026-05-02T00:00:00Z"},
                         {"user_id": "u", "item_id": "plain", "type": "like", "at": "2026-05-03T00:00:00Z"},
                         {"user_id": "u", "item_id": "c", "type": "view", "at": "2026-05-04T00:00:00Z"},
                         {"user_id": "w", "item_id": "c", "type": "view", "at": "2026-05-04T00:00:00Z"}])
    computed = vector_of(conn, "u")
    assert refresh(conn, "user_vectors") == {"user_vectors": "ok"}
    stored = conn.execute("SELECT embedding::text, items FROM pgrec.user_vectors v JOIN pgrec.users u ON u.id = v.user_id "
                          "WHERE u.external_id = 'u'").fetchone()
    # Mean of the normalised embeddings of the positive items that have one (a, b; not c, a view).
    assert stored == (computed, 2)
    first = [float(x) for x in computed.strip("[]").split(",")[:3]]
    assert first == pytest.approx([0.5, 0.5, 0])
    assert conn.execute("SELECT count(*) FROM pgrec.user_vectors v JOIN pgrec.users u ON u.id = v.user_id "
                        "WHERE u.external_id = 'w'").fetchone()[0] == 0  # no positive event
    # The stored row is what serving reads while no newer positive event exists ...
    conn.execute("UPDATE pgrec.user_vectors SET embedding = %s::text::public.vector", (vec(a5=1),))
    assert vector_of(conn, "u") == conn.execute("SELECT %s::text::public.vector::text", (vec(a5=1),)).fetchone()[0]
    # ... and a new like makes it stale: computed on the spot, no refresh needed.
    call(conn, "track", [{"user_id": "u", "item_id": "c", "type": "like", "at": "2026-05-05T00:00:00Z"}])
    fresh = [float(x) for x in vector_of(conn, "u").strip("[]").split(",")[:3]]
    assert fresh == pytest.approx([1 / 3, 1 / 3, 1 / 3])


def test_stats_step_computes_popularity_velocity_creators_and_tag_lists(conn) -> None:
    at(conn)
    call(conn, "upsert_items", [{"id": "x", "creator_id": "ana", "tags": ["topic:t"], "created_at": "2026-04-01T00:00:00Z"},
                                {"id": "y", "creator_id": "bob", "tags": ["topic:t"], "created_at": "2026-04-01T00:00:00Z"},
                                {"id": "z", "creator_id": "bob", "tags": ["topic:t"], "status": "hidden"}])
    call(conn, "track",
         [{"user_id": f"u{k}", "item_id": "x", "type": "like", "at": "2026-05-10T00:00:00Z"} for k in range(4)]
         + [{"user_id": f"v{k}", "item_id": "y", "type": "like", "at": "2026-05-30T00:00:00Z"} for k in range(2)])
    outcome = refresh(conn)
    assert outcome["stats"] == "ok" and outcome["user_vectors"] == "ok"
    signals = dict((r[0], r[1:]) for r in conn.execute(
        "SELECT i.external_id, s.popularity, s.velocity FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id"))
    assert signals["x"] == (1.0, 0.0) and signals["y"][0] == 0.5 and signals["y"][1] == 1.0
    creators = dict(conn.execute("SELECT creator_id, score FROM pgrec.creator_stats").fetchall())
    assert creators["ana"] == 1.0 and 0 < creators["bob"] < 1
    tops = conn.execute("SELECT i.external_id FROM pgrec.tag_top_items t JOIN pgrec.items i ON i.id = t.item_id "
                        "JOIN pgrec.tags g ON g.id = t.tag_id WHERE g.name = 'topic:t' ORDER BY t.rank").fetchall()
    assert [r[0] for r in tops] == ["x", "y"]  # most engaging first; hidden z left out


def test_old_histories_still_get_neighbours(conn) -> None:
    call(conn, "upsert_items", [{"id": i, "created_at": "2024-01-01T00:00:00Z"} for i in ("seed", "fav", "other")])
    call(conn, "track", [{"user_id": f"fan{k}", "item_id": i, "type": "like", "at": "2024-06-01T00:00:00Z"}
                         for k in range(3) for i in ("seed", "fav")]
         + [{"user_id": "me", "item_id": "seed", "type": "like", "at": "2024-06-02T00:00:00Z"}])
    # Two years on the co-occurrences still make neighbours: the item-item model has no window,
    # and every user's history decays from their own latest event, not from today.
    at(conn)
    assert refresh(conn)["itemknn"] == "ok"
    assert conn.execute("SELECT DISTINCT source FROM pgrec.item_neighbors").fetchall() == [("itemknn",)]
    assert ids_of(conn, "me")[0] == "fav"


def ids_of(conn, user: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT item_id FROM rec.feed(%s, 5, 0, 'default', '{\"collaborative\": 1}')",
                                       (user,)).fetchall()]
