"""Change tracking and the embed job: what gets (re-)embedded, once, by exactly one worker."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import psycopg
import pytest

from app.db import connect
from app.embeddings.offline import OfflineProvider
from app.embeddings.worker import embed_pending, requeue, status

from tests.helpers import call, feed_ids, sqlstate_of


class Counting:
    """The offline provider, remembering every text it was asked to embed."""

    name = "counting"

    def __init__(self, dim: int = 384, on_embed=None) -> None:
        self.inner = OfflineProvider(dim)
        self.dim = dim
        self.texts: list[str] = []
        self.on_embed = on_embed

    def embed(self, texts: list[str]) -> list[list[float]]:
        if self.on_embed is not None:
            self.on_embed()
        self.texts.extend(texts)
        return self.inner.embed(texts)

    def titles(self) -> list[str]:
        return sorted(t.split("\n", 1)[0] for t in self.texts)


class Failing(Counting):
    name = "failing"

    def embed(self, texts: list[str]) -> list[list[float]]:
        raise RuntimeError("provider down")


def queued(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT i.external_id FROM pgrec.embedding_queue q JOIN pgrec.items i ON i.id = q.item_id ORDER BY 1")]


def embedding_of(conn: psycopg.Connection, item: str) -> np.ndarray | None:
    value = conn.execute("SELECT embedding FROM pgrec.items WHERE external_id = %s", (item,)).fetchone()[0]
    return None if value is None else value.to_numpy()


def test_new_items_are_queued_and_embedded_once(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "a", "title": "Alpha"}, {"id": "b", "title": "Beta"}])
    assert queued(conn) == ["a", "b"]
    provider = Counting()
    result = embed_pending(conn, provider, batch_size=1)
    assert (result.embedded, result.batches) == (2, 2)
    assert provider.titles() == ["Alpha", "Beta"] and queued(conn) == []
    assert conn.execute("SELECT count(*) FROM pgrec.items WHERE embedded_hash = content_hash AND embedding IS NOT NULL"
                        ).fetchone()[0] == 2
    # Nothing left: a second run embeds nothing.
    assert embed_pending(conn, provider).embedded == 0 and len(provider.texts) == 2


def test_edited_text_is_reembedded_once_unchanged_text_never(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "a", "title": "Alpha", "tags": ["x"], "attributes": {"level": "easy", "course": "c1"}},
                                {"id": "b", "title": "Beta"}])
    embed_pending(conn, Counting())
    before = embedding_of(conn, "a")

    # Same text (price, status, location, a non-embedded attribute change): not queued.
    call(conn, "upsert_items", [{"id": "a", "title": "Alpha", "price": 3, "status": "hidden",
                                 "attributes": {"level": "easy", "course": "c2"}}])
    call(conn, "upsert_items", [{"id": "b", "location": {"lat": 1, "lon": 2}}])
    assert queued(conn) == []
    provider = Counting()
    assert embed_pending(conn, provider).embedded == 0 and provider.texts == []

    # Edited twice before the job runs: one queue row, embedded once, with the latest text.
    call(conn, "upsert_items", [{"id": "a", "title": "Alpha v2"}])
    call(conn, "upsert_items", [{"id": "a", "title": "Alpha v3"}])
    assert queued(conn) == ["a"]
    assert embed_pending(conn, provider).embedded == 1
    assert provider.titles() == ["Alpha v3"]
    assert not np.allclose(before, embedding_of(conn, "a"))

    # Tags and selected attributes are part of the text too.
    call(conn, "upsert_items", [{"id": "a", "tags": ["x", "y"]}])
    assert queued(conn) == ["a"]
    embed_pending(conn, provider)
    call(conn, "upsert_items", [{"id": "a", "attributes": {"level": "hard", "course": "c2"}}])
    assert queued(conn) == ["a"]


def test_embedding_text_layout(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "t", "title": " Knife skills ", "description": "Dicing onions",
                                 "tags": ["tool:knife", "cooking"], "attributes": {"level": "beginner", "skills": ["dice", "julienne"],
                                                                                   "course": "c9", "kind": {"nested": 1}}}])
    body = conn.execute("SELECT body FROM rec.embed_claim(10) WHERE item_id = 't'").fetchone()[0]
    assert body == "Knife skills\nDicing onions\nTags: cooking, tool:knife\nlevel: beginner\nskills: dice, julienne"


def test_item_edited_while_being_embedded_stays_queued(fresh_db: str) -> None:
    with connect(fresh_db) as setup:
        call(setup, "upsert_items", [{"id": "e", "title": "Old"}])
    provider = Counting()
    with connect(fresh_db) as worker, connect(fresh_db) as client:
        with worker.transaction():
            rows = worker.execute("SELECT id, content_hash, body FROM rec.embed_claim(10)").fetchall()
            assert [r[2] for r in rows] == ["Old"]
            # A client edits the item while its embedding is being computed, and is not blocked
            # by the worker's claim (lock_timeout turns a wait into an error).
            client.execute("SET lock_timeout = '2s'")
            call(client, "upsert_items", [{"id": "e", "title": "New"}])
            vectors = provider.embed([r[2] for r in rows])
            written = worker.execute("SELECT rec.embed_store(%s, %s, %s::vector[])",
                                     ([r[0] for r in rows], [r[1] for r in rows], [str(v) for v in vectors])).fetchone()[0]
        assert written == 0  # computed from text that is gone
        assert queued(worker) == ["e"]
        embed_pending(worker, provider)
        assert provider.titles() == ["New", "Old"] and queued(worker) == []


def test_two_concurrent_workers_embed_every_item_exactly_once(fresh_db: str) -> None:
    with connect(fresh_db) as setup:
        call(setup, "upsert_items", [{"id": f"c{i:02d}", "title": f"Item {i:02d}"} for i in range(60)])
    # Both workers must hold a claim at the same moment: each waits for the other on its
    # first provider call, so neither can drain the queue alone.
    barrier = threading.Barrier(2, timeout=30)
    first_call = threading.local()

    def meet() -> None:
        if not getattr(first_call, "done", False):
            first_call.done = True
            barrier.wait()

    providers = [Counting(on_embed=meet), Counting(on_embed=meet)]
    errors: list[BaseException] = []

    def work(provider: Counting) -> None:
        try:
            with connect(fresh_db) as conn:
                embed_pending(conn, provider, batch_size=7)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in providers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    a, b = providers[0].titles(), providers[1].titles()
    assert a and b and not set(a) & set(b)
    assert sorted(a + b) == [f"Item {i:02d}" for i in range(60)]
    with connect(fresh_db) as conn:
        state = status(conn)
    assert (state["embedded"], state["pending"]) == (60, 0)


def test_a_crashed_worker_loses_nothing(fresh_db: str) -> None:
    with connect(fresh_db) as setup:
        call(setup, "upsert_items", [{"id": f"k{i}", "title": f"K {i}"} for i in range(10)])
    crashed = psycopg.connect(fresh_db, autocommit=True)
    crashed.execute("BEGIN")
    assert len(crashed.execute("SELECT * FROM rec.embed_claim(5)").fetchall()) == 5
    pid = crashed.info.backend_pid
    with connect(fresh_db) as other:
        # While the claim is held, another worker gets the rest and only the rest.
        provider = Counting()
        assert embed_pending(other, provider).claimed == 5
        # The worker dies mid-batch. pg_terminate_backend only sends the signal (with a 5 s
        # timeout it waits for the exit), so the dead worker's locks are gone before we look.
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()[0]
        crashed.close()
        assert len(queued(other)) == 5
        assert embed_pending(other, provider).claimed == 5
        assert sorted(provider.titles()) == sorted(f"K {i}" for i in range(10)) and queued(other) == []


HNSW_INDEX = "SELECT pg_get_indexdef('pgrec.items_embedding_hnsw'::regclass)"


def test_a_backfill_loads_in_bulk_and_builds_the_index_once_at_the_end(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        definition = conn.execute(HNSW_INDEX).fetchone()[0]
        call(conn, "upsert_items", [{"id": f"b{i}", "title": f"Bulk {i}"} for i in range(40)])
        seen = []
        provider = Counting(on_embed=lambda: seen.append(
            conn.execute("SELECT to_regclass('pgrec.items_embedding_hnsw')").fetchone()[0]))
        result = embed_pending(conn, provider, batch_size=10, bulk_min=20)
        # Stored without the index (every batch saw it gone), which is back as it was defined.
        assert result.bulk and result.embedded == 40 and seen == [None] * 4
        assert conn.execute(HNSW_INDEX).fetchone()[0] == definition
        # Similarity reads use it again, and ordinary re-embedding (one edited item) keeps it.
        call(conn, "upsert_items", [{"id": "b0", "title": "Bulk zero, edited"}])
        again = embed_pending(conn, provider, bulk_min=20)
        assert (again.bulk, again.embedded, again.index_seconds) == (False, 1, 0.0)
        assert conn.execute(HNSW_INDEX).fetchone()[0] == definition


def test_a_bulk_load_that_died_is_repaired_by_the_next_run_and_never_doubled(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        definition = conn.execute(HNSW_INDEX).fetchone()[0]
        call(conn, "upsert_items", [{"id": f"d{i}", "title": f"Died {i}"} for i in range(30)])
    loader = psycopg.connect(fresh_db, autocommit=True)
    assert loader.execute("SELECT rec.embed_bulk_begin(10)").fetchone()[0]
    with connect(fresh_db) as other:
        # While the first load runs, a second worker neither begins one nor rebuilds the index.
        assert other.execute("SELECT rec.embed_bulk_begin(10)").fetchone()[0] is False
        assert other.execute("SELECT rec.embed_bulk_finish()").fetchone()[0] is False
        assert other.execute("SELECT to_regclass('pgrec.items_embedding_hnsw')").fetchone()[0] is None
        # The loader dies (waiting for its exit): its session lock goes, the index stays missing.
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", (loader.info.backend_pid,)).fetchone()[0]
        loader.close()
        result = embed_pending(other, Counting(), bulk_min=10)
        assert result.bulk and result.embedded == 30
        assert other.execute(HNSW_INDEX).fetchone()[0] == definition
        # The load's lock is released: the next run may begin one again.
        assert other.execute("SELECT rec.embed_bulk_finish()").fetchone()[0] is False
        assert not other.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                                 ).fetchone()[0]


def test_provider_failure_backs_off_and_requeue_retries(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "f1", "title": "F1"}, {"id": "f2", "title": "F2"}])
    with pytest.raises(RuntimeError):
        embed_pending(conn, Failing())
    state = status(conn)
    assert (state["pending"], state["failing"], state["ready"]) == (2, 2, 0)
    assert "provider down" in state["last_error"]
    # Backing off: a healthy provider does not get them yet...
    assert embed_pending(conn, Counting()).claimed == 0
    # ...but does once the back-off has passed (rec.now() drives it)...
    conn.execute("SELECT set_config('rec.as_of', (now() + interval '2 hours')::text, true)")
    assert embed_pending(conn, Counting(), limit=1).claimed == 1
    conn.execute("SELECT set_config('rec.as_of', '', true)")
    # ...or right away after rec.embed_requeue.
    assert requeue(conn, ["f2"]) == 1
    assert embed_pending(conn, Counting()).embedded == 1 and status(conn)["pending"] == 0


def test_requeue_all_reembeds_everything(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "r1", "title": "R1"}, {"id": "r2", "title": "R2"}])
    embed_pending(conn, Counting())
    total = conn.execute("SELECT count(*) FROM pgrec.items").fetchone()[0]
    assert requeue(conn) == total
    provider = Counting()
    assert embed_pending(conn, provider).embedded == total


def test_argument_errors(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": "v1", "title": "V"}])
    item_id, content_hash = conn.execute(
        "SELECT id, content_hash FROM pgrec.items WHERE external_id = 'v1'").fetchone()
    store = "SELECT rec.embed_store(%s, %s, %s::vector[])"
    wrong_dim = sqlstate_of(conn, lambda: conn.execute(store, ([item_id], [content_hash], ["[1,2,3]"])))
    assert wrong_dim.diag.sqlstate == "22023"
    mismatch = sqlstate_of(conn, lambda: conn.execute(store, ([item_id, item_id], [content_hash], ["[1,2,3]"])))
    assert mismatch.diag.sqlstate == "22023"
    assert sqlstate_of(conn, lambda: conn.execute(store, (None, [], []))).diag.sqlstate == "22004"
    assert sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.embed_claim(0)")).diag.sqlstate == "22023"
    assert sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.embed_claim(NULL)")).diag.sqlstate == "22004"
    assert sqlstate_of(conn, lambda: requeue(conn, ["nope"])).diag.sqlstate == "P0002"
    assert sqlstate_of(conn, lambda: conn.execute(
        "SELECT rec.log_job_run('x', now(), 'fine')")).diag.sqlstate == "22023"
    assert conn.execute("SELECT rec.embedding_dim()").fetchone()[0] == 384


def test_worker_refuses_a_provider_of_another_dimension(conn: psycopg.Connection) -> None:
    from app.embeddings import EmbeddingDimensionError

    call(conn, "upsert_items", [{"id": "d1", "title": "D"}])
    with pytest.raises(EmbeddingDimensionError):
        embed_pending(conn, Counting(dim=16))
    assert queued(conn) == ["d1"]


def test_feeds_work_while_items_have_no_embedding(conn: psycopg.Connection) -> None:
    call(conn, "upsert_items", [{"id": f"n{i}", "title": f"Watercolor {i}", "tags": ["art"]} for i in range(6)])
    call(conn, "track", [{"user_id": "nu", "item_id": "n0", "type": "like"}])
    embed_pending(conn, Counting(), limit=3)  # half the catalogue embedded
    ids = feed_ids(conn, "nu", 50)
    assert {"n1", "n2", "n3", "n4", "n5"} <= set(ids)
    # Feeds from the other issues, when installed, must work on a half-embedded catalogue too.
    for signature, sql in (
            ("rec.similar_items(text, integer, text)", "SELECT item_id FROM rec.similar_items('n0', 10)"),
            ("rec.search(text, integer, text, public.vector)", "SELECT item_id FROM rec.search('watercolor', 10)"),
            ("rec.feed(text, integer, integer, text, jsonb)", "SELECT item_id FROM rec.feed('nu', 50, 0, 'default', NULL)")):
        if conn.execute("SELECT to_regprocedure(%s)", (signature,)).fetchone()[0] is None:
            continue
        with conn.transaction():
            rows = conn.execute(sql).fetchall()
        assert rows, sql


def test_user_vector_follows_a_new_like(conn: psycopg.Connection) -> None:
    """The user's taste vector over embeddings written by the embed job."""
    call(conn, "upsert_items", [
        {"id": "uv_art", "title": "Watercolor landscapes", "tags": ["category:art"]},
        {"id": "uv_code", "title": "Python scripting", "tags": ["tool:python"]}])
    embed_pending(conn, Counting())
    call(conn, "track", [{"user_id": "uv", "item_id": "uv_art", "type": "like"}])

    def user_vector() -> np.ndarray:
        return conn.execute("SELECT (rec._user_context('uv', rec.now())).vector").fetchone()[0].to_numpy()

    art, code = embedding_of(conn, "uv_art"), embedding_of(conn, "uv_code")
    before = user_vector()
    call(conn, "track", [{"user_id": "uv", "item_id": "uv_code", "type": "like"}])
    conn.execute("SELECT * FROM rec.refresh('user_vectors')").fetchall()
    after = user_vector()

    def cos(x: np.ndarray, y: np.ndarray) -> float:
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert not np.allclose(before, after)
    assert cos(after, code) > cos(before, code) + 0.1
    assert cos(before, art) > cos(before, code)


def test_cli_embed_backfills_with_progress(fresh_db: str, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main
    from app.settings import get_settings

    with connect(fresh_db) as setup:
        call(setup, "upsert_items", [{"id": f"p{i}", "title": f"P {i}"} for i in range(25)])
    monkeypatch.setenv("DATABASE_URL", fresh_db)
    monkeypatch.setenv("PGREC_EMBEDDING_PROVIDER", "offline")
    get_settings.cache_clear()
    try:
        assert main(["embed", "--batch-size", "10"]) == 0
        assert main(["embed", "--status"]) == 0
        state = json.loads(capsys.readouterr().out.split("\n", 1)[1])
        assert (state["embedded"], state["pending"]) == (25, 0)
        assert main(["embed", "--requeue", "--item", "p3", "--item", "p4"]) == 0
        with connect(fresh_db) as conn:
            assert status(conn)["pending"] == 0  # requeued and embedded again in the same call
        assert main(["embed", "--requeue", "--item", "missing"]) == 1  # P0002, reported without a traceback
    finally:
        get_settings.cache_clear()


def test_worker_functions_are_for_the_admin_role_only(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        conn.execute("CREATE ROLE pgrec_test_app LOGIN IN ROLE pgrec_app")
        conn.execute("CREATE ROLE pgrec_test_admin LOGIN IN ROLE pgrec_admin")
        try:
            conn.execute("SET ROLE pgrec_test_app")
            assert conn.execute("SELECT rec.embedding_dim()").fetchone()[0] == 384
            for sql in ("SELECT * FROM rec.embed_claim(1)", "SELECT rec.embed_status()",
                        "SELECT rec.log_job_run('embeddings', now(), 'ok')", "SELECT * FROM rec.due_steps()"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
            conn.execute("RESET ROLE")
            conn.execute("SET ROLE pgrec_test_admin")
            assert conn.execute("SELECT rec.embed_status() ->> 'pending'").fetchone()[0] == "0"
            assert conn.execute("SELECT count(*) FROM rec.embed_claim(1)").fetchone()[0] == 0
            assert "embeddings" in {r[0] for r in conn.execute("SELECT step FROM rec.due_steps()")}
        finally:
            conn.execute("RESET ROLE")
            for role in ("pgrec_test_app", "pgrec_test_admin"):
                conn.execute(f"DROP OWNED BY {role}")
                conn.execute(f"DROP ROLE {role}")


def test_concurrent_workers_embed_every_item_exactly_once(fresh_db: str) -> None:
    """Two workers (conn and one more connection) drain one queue: disjoint batches, every item
    once, the limit kept across both, the bulk load's index built once at the end."""
    with connect(fresh_db) as conn:
        definition = conn.execute(HNSW_INDEX).fetchone()[0]
        call(conn, "upsert_items", [{"id": f"w{i}", "title": f"Worker item {i}"} for i in range(60)])
        threads = set()
        # A provider call takes a moment, as a real one does: the second worker has time to join.
        provider = Counting(on_embed=lambda: (threads.add(threading.get_ident()), time.sleep(0.01)))
        first = embed_pending(conn, provider, batch_size=4, limit=10, workers=2)
        assert (first.claimed, first.embedded) == (10, 10) and status(conn)["pending"] == 50
        result = embed_pending(conn, provider, batch_size=4, bulk_min=20, workers=2)
        assert result.bulk and (result.claimed, result.embedded) == (50, 50)
        assert len(threads) == 2  # both workers embedded batches
        assert sorted(provider.titles()) == sorted(f"Worker item {i}" for i in range(60))  # each text once
        assert status(conn)["pending"] == 0 and conn.execute(HNSW_INDEX).fetchone()[0] == definition
        assert conn.execute("SELECT count(*) FROM pgrec.items WHERE embedded_hash = content_hash").fetchone()[0] == 60


def test_a_failing_worker_stops_the_others_and_its_batch_backs_off(fresh_db: str) -> None:
    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": f"f{i}", "title": f"Fails {i}"} for i in range(40)])
        calls = []

        class FailsOnThird(Counting):
            def embed(self, texts):
                calls.append(len(texts))
                if len(calls) == 3:
                    raise RuntimeError("provider down")
                return super().embed(texts)

        with pytest.raises(RuntimeError, match="provider down"):
            embed_pending(conn, FailsOnThird(), batch_size=2, workers=2)
        # The other worker stopped after at most its batch in flight: most items stay queued,
        # the failed batch with its error and a back-off.
        assert len(calls) <= 4
        state = status(conn)
        assert state["pending"] == 40 - 2 * (len(calls) - 1) and state["failing"] == 2
        assert "provider down" in state["last_error"]


def test_a_failed_batch_is_backed_off_before_another_worker_can_claim_it(fresh_db: str) -> None:
    """The back-off commits with the claim: no moment where the failed rows are unlocked but not
    yet backed off (another worker claiming them then fails them a second time)."""
    seen: list[tuple] = []

    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": "r1", "title": "Race"}])

        def wait_for_the_row() -> None:  # another session, blocked on the claimed row
            with connect(fresh_db) as other:
                seen.append(other.execute(
                    "SELECT attempts, not_before IS NOT NULL FROM pgrec.embedding_queue FOR UPDATE").fetchone())

        waiter = threading.Thread(target=wait_for_the_row)

        class FailsWhileAnotherWaits(Counting):
            def embed(self, texts):
                waiter.start()
                with connect(fresh_db) as probe:
                    deadline = time.monotonic() + 10
                    while not probe.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                            "AND query LIKE '%%embedding_queue FOR UPDATE%%'").fetchone()[0]:
                        assert time.monotonic() < deadline, "the other session never waited for the row"
                        time.sleep(0.01)
                raise RuntimeError("provider down")

        with pytest.raises(RuntimeError, match="provider down"):
            embed_pending(conn, FailsWhileAnotherWaits())
        waiter.join(10)
        assert seen == [(1, True)]


def test_a_worker_that_cannot_connect_leaves_the_work_to_the_others(fresh_db: str, monkeypatch) -> None:
    """A second connection refused (max_connections, pg_hba) is no reason to stop embedding."""
    import app.embeddings.worker as worker

    def refuse(*args, **kwargs):
        raise psycopg.OperationalError("too many connections")

    with connect(fresh_db) as conn:
        call(conn, "upsert_items", [{"id": f"c{i}", "title": f"Connect {i}"} for i in range(12)])
        monkeypatch.setattr(worker.psycopg, "connect", refuse)
        result = embed_pending(conn, Counting(), batch_size=5, workers=3)
        assert (result.claimed, result.embedded, result.batches) == (12, 12, 3)
        assert status(conn)["pending"] == 0


def test_zero_workers_is_refused_clearly(conn: psycopg.Connection, monkeypatch) -> None:
    from app.settings import Settings

    monkeypatch.setenv("PGREC_EMBEDDING_WORKERS", "0")
    with pytest.raises(ValueError, match="PGREC_EMBEDDING_WORKERS must be at least 1, got 0"):
        Settings()
    with pytest.raises(ValueError, match="workers must be at least 1"):
        embed_pending(conn, Counting(), workers=0)
