"""The feed endpoint's impression log (app/api/impressions.py): pages are written off the request
path, in batches, at the clock they were served at; nothing is lost on a graceful stop or when
the queue is full; reports see what was served before them; a page that cannot be logged costs
only itself. Also: a pooled connection whose server session ended is replaced without the
request failing (the pool's check costs no round trip while connections are healthy)."""

from __future__ import annotations

import time
from typing import Any, Callable

import psycopg

from tests.helpers import ApiDatabase, api_client

# A writer period no test reaches: pages stay queued until a flush, a report or the stop.
NEVER = 3_600_000


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def logged(api_db: ApiDatabase, request_id: str) -> list[tuple]:
    return api_db.sql("""
        SELECT i.external_id, m.position, m.served_at FROM pgrec.impressions AS m
        JOIN pgrec.items AS i ON i.id = m.item_id WHERE m.request_id = %s ORDER BY m.position""", (request_id,))


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; a bounded wait for the writer thread, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def feed(client: Any, api_db: ApiDatabase, user: str, request_id: str, key: str = "reader") -> list[str]:
    body = ok(client.get(f"/v1/users/{user}/feed", params={"n": 3},
                         headers={**api_db.bearer(key), "X-Request-ID": request_id}))
    return [i["item_id"] for i in body["items"]]


def test_the_writer_logs_a_served_page_by_itself(api_db: ApiDatabase) -> None:
    with api_client(api_db.app_url, api_impressions_flush_ms=20) as client:
        items = feed(client, api_db, "ana", "writer-1")
        wait_for(lambda: bool(logged(api_db, "writer-1")), 10, "the writer to log the page")
        assert [(item, k) for item, k, _ in logged(api_db, "writer-1")] == list(zip(items, range(1, 4)))


def test_a_graceful_stop_writes_every_queued_page_at_the_clock_it_was_served(api_db: ApiDatabase) -> None:
    with api_client(api_db.app_url, api_impressions_flush_ms=NEVER) as client:
        served = {}
        for k in range(3):
            (before,), = api_db.sql("SELECT clock_timestamp()")
            served[f"stop-{k}"] = (feed(client, api_db, "ana", f"stop-{k}"), before, api_db.sql("SELECT clock_timestamp()")[0][0])
        # Still queued: this is the window a process killed outright would lose.
        assert all(logged(api_db, rid) == [] for rid in served)
    for rid, (items, before, after) in served.items():
        rows = logged(api_db, rid)
        assert [item for item, _, _ in rows] == items
        # served_at is the feed's clock, not the later write's.
        assert all(before <= at <= after for _, _, at in rows), (rid, before, rows, after)


def test_a_full_queue_makes_the_request_write_its_own_page(api_db: ApiDatabase) -> None:
    with api_client(api_db.app_url, api_impressions_flush_ms=NEVER, api_impressions_queue=1) as client:
        queued = feed(client, api_db, "ana", "full-1")  # takes the only place in the queue
        items = feed(client, api_db, "ben", "full-2")  # finds it full: written before the answer
        assert [item for item, _, _ in logged(api_db, "full-2")] == items
        assert logged(api_db, "full-1") == []
    assert [item for item, _, _ in logged(api_db, "full-1")] == queued


def test_a_report_sees_every_page_served_before_it(api_db: ApiDatabase) -> None:
    with api_client(api_db.admin_url, api_impressions_flush_ms=NEVER) as client:
        api_db.sql("DELETE FROM pgrec.impressions")
        shown = feed(client, api_db, "ana", "report-1", key="all") + feed(client, api_db, "ben", "report-2", key="all")
        metrics = ok(client.get("/v1/admin/feed-metrics", headers=api_db.bearer("all")))
        total = next(r for r in metrics["rows"] if r["total"])
        assert total["impressions"] == len(shown) and total["users"] == 2


def test_one_page_that_cannot_be_logged_costs_only_itself(api_db: ApiDatabase, caplog: Any) -> None:
    import logging

    api_db.sql("SELECT rec.upsert_users('[{\"id\": \"erased-later\"}]')")
    api_db.sql("SELECT rec.forget_user('erased-later')")
    with caplog.at_level(logging.WARNING, logger="pgrec.api"):
        with api_client(api_db.app_url, api_impressions_flush_ms=NEVER) as client:
            first = feed(client, api_db, "ana", "batch-1")
            feed(client, api_db, "erased-later", "batch-2")  # refused by rec.log_impressions (22023)
            last = feed(client, api_db, "ben", "batch-3")
            assert client.app.state.impressions.flush()
    assert [item for item, _, _ in logged(api_db, "batch-1")] == first
    assert [item for item, _, _ in logged(api_db, "batch-3")] == last
    assert logged(api_db, "batch-2") == []
    warnings = [r for r in caplog.records if r.getMessage() == "impressions not logged"]
    assert [(w.fields["request_id"], w.fields["sqlstate"]) for w in warnings] == [("batch-2", "22023")]


def test_a_pooled_connection_whose_session_ended_is_replaced_without_failing_a_request(api_db: ApiDatabase) -> None:
    with api_client(api_db.app_url) as client:
        feed(client, api_db, "ana", "alive-1")
        pool = client.app.state.database.pool
        role = psycopg.conninfo.conninfo_to_dict(api_db.app_url)["user"]
        ended = api_db.sql("SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND usename = %s", (role,))
        assert ended and all(r[1] for r in ended)
        # pg_terminate_backend only signals: the sessions have ended once their processes are gone
        # (each has written its farewell to its socket by then).
        pids = [r[0] for r in ended]
        wait_for(lambda: not api_db.sql("SELECT FROM pg_stat_activity WHERE pid = ANY (%s)", (pids,)), 10,
                 "the terminated sessions to end")
        # Every idle connection of the pool is dead now; the check must notice without failing.
        for k in range(pool.get_stats()["pool_size"] + 1):
            feed(client, api_db, "ana", f"alive-after-{k}")
