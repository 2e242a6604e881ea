"""Privacy in SQL: erasing a user (with a tombstone, and a policy for their items) and exporting
everything stored about them, page by page."""

from __future__ import annotations

import psycopg

from tests.helpers import call, refresh, sqlstate_of


def seed_user(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "a", "title": "A"}, {"id": "b"}, {"id": "zoes-own", "creator_id": "zoe"}])
    call(conn, "upsert_users", [{"id": "zoe", "location": {"lat": 1, "lon": 2},
                                 "preferences": {"preferred_tags": {"tool:sql": 2}, "blocked_tags": ["spam"]}}])
    call(conn, "track", [{"event_id": "z1", "user_id": "zoe", "item_id": "a", "type": "like"},
                         {"event_id": "z2", "user_id": "zoe", "item_id": "b", "type": "view"},
                         {"event_id": "o1", "user_id": "other", "item_id": "a", "type": "like"},
                         {"event_id": "o2", "user_id": "other", "item_id": "zoes-own", "type": "like"}])


def add_notes_table(conn: psycopg.Connection) -> None:
    """A table a later feature might add: found through its foreign key."""
    conn.execute("CREATE TABLE pgrec.test_user_notes (user_id bigint REFERENCES pgrec.users (id), note text)")
    conn.execute("ALTER TABLE pgrec.test_user_notes OWNER TO pgrec_owner")
    conn.execute("INSERT INTO pgrec.test_user_notes SELECT id, 'hi' FROM pgrec.users WHERE external_id = 'zoe'")


def test_forget_user_erases_everything_that_references_the_user(conn: psycopg.Connection) -> None:
    seed_user(conn)
    add_notes_table(conn)
    refresh(conn, "stats")
    assert conn.execute("SELECT s.events FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id "
                        "WHERE i.external_id = 'a'").fetchone()[0] == 2

    result = conn.execute("SELECT rec.forget_user('zoe')").fetchone()[0]
    assert result["user_id"] == "zoe"
    assert result["erased"]["events"] == 2 and result["erased"]["user_tags"] == 2
    assert result["erased"]["test_user_notes"] == 1 and result["erased"]["users"] == 1
    assert result["erased"]["items_anonymized"] == 1
    assert conn.execute("SELECT count(*) FROM pgrec.users WHERE external_id = 'zoe'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pgrec.test_user_notes").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0] == 2  # other users keep theirs
    # Her item stays for others, without her name on it.
    assert conn.execute("SELECT creator_id FROM pgrec.items WHERE external_id = 'zoes-own'").fetchone()[0] is None
    refresh(conn, "stats")
    assert conn.execute("SELECT s.events FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id "
                        "WHERE i.external_id = 'a'").fetchone()[0] == 1
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.forget_user('zoe')")).sqlstate == "P0002"
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.forget_user(NULL)")).sqlstate == "22004"
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.forget_user('other', 'shred')")).sqlstate == "22023"


def test_a_forgotten_user_is_not_recreated_by_a_retried_batch(conn: psycopg.Connection) -> None:
    seed_user(conn)
    conn.execute("SELECT rec.forget_user('zoe')")
    retry = [{"event_id": "z3", "user_id": "zoe", "item_id": "a", "type": "like"}]
    error = sqlstate_of(conn, lambda: call(conn, "track", retry))
    assert error.sqlstate == "22023" and "erased" in error.diag.message_primary
    assert conn.execute("SELECT count(*) FROM pgrec.users WHERE external_id = 'zoe'").fetchone()[0] == 0
    # The tombstone keeps a digest, not the id itself.
    assert "zoe" not in str(conn.execute("SELECT t::text FROM pgrec.forgotten_users t").fetchall())
    # An administrator may lift it (the person signed up again).
    assert conn.execute("SELECT rec.unforget_user('zoe')").fetchone()[0] is True
    assert call(conn, "track", retry) == 1


def test_forget_user_can_delete_or_keep_the_users_items(conn: psycopg.Connection) -> None:
    seed_user(conn)
    conn.execute("SELECT rec.forget_user('zoe', 'delete')")
    assert conn.execute("SELECT count(*) FROM pgrec.items WHERE external_id = 'zoes-own'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0] == 1  # o2 was about her item
    call(conn, "upsert_items", [{"id": "bens-own", "creator_id": "ben"}])
    call(conn, "track", [{"user_id": "ben", "item_id": "a", "type": "view"}])
    conn.execute("SELECT rec.forget_user('ben', 'keep')")
    assert conn.execute("SELECT creator_id FROM pgrec.items WHERE external_id = 'bens-own'").fetchone()[0] == "ben"


def test_export_user_round_trips_through_the_write_functions(conn: psycopg.Connection) -> None:
    seed_user(conn)
    add_notes_table(conn)
    exported = conn.execute("SELECT rec.export_user('zoe')").fetchone()[0]
    user = exported["user"]
    assert user["id"] == "zoe" and user["location"] == {"lat": 1, "lon": 2}
    assert user["preferences"]["preferred_tags"] == {"tool:sql": 2}
    assert user["preferences"]["blocked_tags"] == ["spam"]
    assert exported["events_count"] == 2 and "events" not in exported
    assert exported["other"]["test_user_notes"] == [{"note": "hi"}]
    # The profile pgrec built from her preferences and events is hers too.
    assert {"test_user_notes", "profiles", "profile_history"} <= set(exported["other"])
    events = [e for _, e in conn.execute("SELECT * FROM rec.export_user_events('zoe')")]
    assert [(e["event_id"], e["item_id"], e["type"]) for e in events] == [("z1", "a", "like"), ("z2", "b", "view")]
    # The export is input the write functions accept: forget, then restore from it.
    conn.execute("SELECT rec.forget_user('zoe', 'keep')")
    conn.execute("SELECT rec.unforget_user('zoe')")
    assert call(conn, "upsert_users", [user]) == 1
    assert call(conn, "track", [{k: v for k, v in e.items() if k != "recorded_at"} for e in events]) == 2
    again = conn.execute("SELECT rec.export_user('zoe')").fetchone()[0]
    assert again["user"] == user and again["events_count"] == 2
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.export_user('nobody')")).sqlstate == "P0002"


def test_events_are_exported_page_by_page(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "a"}])
    call(conn, "track", [{"event_id": f"e{k}", "user_id": "heavy", "item_id": "a", "type": "view"} for k in range(25)])
    pages, after = [], 0
    while page := conn.execute("SELECT * FROM rec.export_user_events('heavy', %s, 10)", (after,)).fetchall():
        pages.append([e["event_id"] for _, e in page])
        after = page[-1][0]
    assert [len(p) for p in pages] == [10, 10, 5]
    # Within one batch events are recorded in event id order (the lock order of rec.track).
    assert [e for p in pages for e in p] == sorted(f"e{k}" for k in range(25))
    for bad in ("SELECT * FROM rec.export_user_events('heavy', 0, 0)", "SELECT * FROM rec.export_user_events('heavy', NULL)"):
        assert sqlstate_of(conn, lambda: conn.execute(bad).fetchall()).sqlstate in ("22023", "22004")


def test_a_batch_mentioning_a_forgotten_user_is_refused_whole(conn: psycopg.Connection) -> None:
    seed_user(conn)
    conn.execute("SELECT rec.forget_user('zoe')")
    mixed = [{"event_id": "m1", "user_id": "other", "item_id": "b", "type": "view"},
             {"event_id": "m2", "user_id": "zoe", "item_id": "b", "type": "view"}]
    assert sqlstate_of(conn, lambda: call(conn, "track", mixed)).sqlstate == "22023"
    assert conn.execute("SELECT count(*) FROM pgrec.events WHERE event_id IN ('m1', 'm2')").fetchone()[0] == 0
    assert call(conn, "track", mixed[:1]) == 1  # everybody else is tracked as before
