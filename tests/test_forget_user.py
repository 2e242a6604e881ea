"""Erasing a user for good: their own items go too (removed or anonymised, by policy), and a
tombstone keeps a later ``rec.track`` — a retried batch, a late delivery — from creating them
again."""

from __future__ import annotations

import json

import psycopg

from tests.support import call, sqlstate_of


def seed(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "ana-course", "title": "Ana's course", "creator_id": "ana"},
                                {"id": "other-course", "title": "Someone else's", "creator_id": "ben"}])
    call(conn, "track", [{"event_id": "f-1", "user_id": "ana", "item_id": "other-course", "type": "like"},
                         {"event_id": "f-2", "user_id": "ben", "item_id": "ana-course", "type": "like"}])


def test_forget_user_leaves_none_of_the_users_own_items(conn: psycopg.Connection) -> None:
    seed(conn)
    conn.execute("SELECT rec.forget_user('ana')")
    # Removed, or kept without the creator (anonymised): either way nothing points at Ana.
    assert conn.execute("SELECT count(*) FROM pgrec.items WHERE creator_id = 'ana'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pgrec.items WHERE external_id = 'other-course'").fetchone()[0] == 1


def test_track_for_a_forgotten_user_is_refused(conn: psycopg.Connection) -> None:
    seed(conn)
    conn.execute("SELECT rec.forget_user('ana')")
    retried = [{"event_id": "f-1", "user_id": "ana", "item_id": "other-course", "type": "like"}]
    assert sqlstate_of(conn, lambda: call(conn, "track", retried)).sqlstate == "22023"
    # The whole batch is refused, including events of other users, and Ana is not re-created.
    mixed = [{"event_id": "f-3", "user_id": "ben", "item_id": "other-course", "type": "view"},
             {"event_id": "f-4", "user_id": "ana", "item_id": "other-course", "type": "view"}]
    assert sqlstate_of(conn, lambda: call(conn, "track", mixed)).sqlstate == "22023"
    assert conn.execute("SELECT count(*) FROM pgrec.users WHERE external_id = 'ana'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pgrec.events WHERE event_id IN ('f-3', 'f-4')").fetchone()[0] == 0
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.export_user('ana')")).sqlstate == "P0002"


def test_other_users_are_tracked_as_before(conn: psycopg.Connection) -> None:
    seed(conn)
    conn.execute("SELECT rec.forget_user('ana')")
    assert call(conn, "track", [{"event_id": "f-5", "user_id": "cid", "item_id": "other-course",
                                 "type": "view"}]) == 1
    assert json.dumps(conn.execute("SELECT rec.export_user('ben')").fetchone()[0])
