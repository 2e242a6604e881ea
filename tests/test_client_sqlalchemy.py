"""The rec list functions as SQLAlchemy table-valued functions, joined with a host app's own
table (public.listings) in the same database, in Core and in the ORM.

The engine connects as a login role that is a member of pgrec_app and may SELECT the host
table — what a host application's role has — and not one privilege more.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any, Iterator

import pytest
from sqlalchemy import Engine, Numeric, Text, column, create_engine, select, true, values
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.db import sqlalchemy_url
from pgrec_client import InvalidInput, NotFound
from pgrec_client.sqlalchemy import (pgrec_error, rec_feed, rec_items, rec_latest, rec_learning_path, rec_nearby,
                                     rec_next_items, rec_rank, rec_search, rec_session_feed, rec_similar_items, rec_trending)
from tests.helpers import ApiDatabase, as_role

HOST_ROLE = "pgrec_host_test_app"
# Every seeded item but one, plus a listing pgrec has never heard of.
LISTINGS = [("py-intro", "Python for beginners", 10), ("py-web", "Web apps with Python", 20),
            ("figma-colors", "Figma color systems", 15), ("figma-proto", "Prototyping in Figma", 5),
            ("offline-only", "Sold in the shop only", 99)]


class Base(DeclarativeBase):
    pass


class Listing(Base):
    __tablename__ = "listings"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Numeric)


@pytest.fixture(scope="module")
def host_url(api_db: ApiDatabase) -> str:
    """The host app's table and login role in the module's pgrec database."""
    api_db.sql(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{HOST_ROLE}') THEN "
               f"CREATE ROLE {HOST_ROLE} LOGIN; END IF; END $$")
    api_db.sql(f"GRANT pgrec_app TO {HOST_ROLE}")
    api_db.sql("CREATE TABLE public.listings (id text PRIMARY KEY, title text NOT NULL, price numeric NOT NULL)")
    for row in LISTINGS:
        api_db.sql("INSERT INTO public.listings VALUES (%s, %s, %s)", row)
    api_db.sql(f"GRANT SELECT ON public.listings TO {HOST_ROLE}")
    return sqlalchemy_url(as_role(api_db.url, HOST_ROLE))


@pytest.fixture(scope="module")
def engine(host_url: str) -> Iterator[Engine]:
    engine = create_engine(host_url)
    yield engine
    engine.dispose()


def feed_order(api_db: ApiDatabase, user: str, n: int = 20) -> list[str]:
    return [r[0] for r in api_db.sql("SELECT item_id FROM rec.feed(%s, %s)", (user, n))]


def test_the_host_role_reads_its_table_and_calls_rec_but_not_pgrec_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(select(Listing.id)).all()
        with pytest.raises(ProgrammingError):
            conn.exec_driver_sql("SELECT count(*) FROM pgrec.items")


def test_core_join_returns_host_rows_in_pgrecs_order(api_db: ApiDatabase, engine: Engine) -> None:
    listings = Listing.__table__
    feed = rec_feed("ben", n=20)
    query = (select(listings.c.id, listings.c.title, feed.c.score, feed.c.reasons, feed.c.position)
             .join(feed, listings.c.id == feed.c.item_id)
             .order_by(feed.c.position))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    expected = [i for i in feed_order(api_db, "ben") if i in {lid for lid, *_ in LISTINGS}]
    assert len(expected) >= 2, "the test world gives ben a feed of listings"
    assert [r.id for r in rows] == expected
    assert all(isinstance(r.score, float) and isinstance(r.reasons["terms"], dict) for r in rows)
    assert [r.title for r in rows] == [dict((i, t) for i, t, _ in LISTINGS)[i] for i in expected]
    positions = [r.position for r in rows]
    assert positions == sorted(positions) and positions[0] >= 1
    assert "offline-only" not in [r.id for r in rows] and "sql-basics" not in [r.id for r in rows]


def test_orm_join_returns_mapped_objects_in_pgrecs_order(api_db: ApiDatabase, engine: Engine) -> None:
    feed = rec_feed("cid", n=20, strategy="popular")
    with Session(engine) as session:
        listings = session.scalars(select(Listing).join(feed, Listing.id == feed.c.item_id)
                                   .order_by(feed.c.position)).all()
        with_scores = session.execute(select(Listing, feed.c.score).join(feed, Listing.id == feed.c.item_id)
                                      .where(Listing.price < 50).order_by(feed.c.position)).all()
    order = [r[0] for r in api_db.sql("SELECT item_id FROM rec.feed('cid', 20, strategy => 'popular')")]
    assert [x.id for x in listings] == [i for i in order if i in {lid for lid, *_ in LISTINGS}]
    assert all(isinstance(x, Listing) for x in listings) and listings
    assert [(x.id, type(score)) for x, score in with_scores] == [(x.id, float) for x in listings if x.price < 50]


def test_position_is_the_functions_order_for_the_whole_list(api_db: ApiDatabase, engine: Engine) -> None:
    feed = rec_feed("ana", n=50)
    with engine.connect() as conn:
        rows = conn.execute(select(feed.c.item_id, feed.c.position).order_by(feed.c.position)).all()
    assert [r.item_id for r in rows] == feed_order(api_db, "ana", 50)
    assert [r.position for r in rows] == list(range(1, len(rows) + 1))




@pytest.mark.parametrize(("table", "statement"), [
    (lambda: rec_trending(n=5, window="30 days", tags=["tool:python", "tool:figma"]),
     "SELECT item_id FROM rec.trending(5, 0, '30 days', NULL, ARRAY['tool:python', 'tool:figma'])"),
    (lambda: rec_latest(n=10, tags=["tool:figma"]), "SELECT item_id FROM rec.latest(10, 0, ARRAY['tool:figma'])"),
    (lambda: rec_similar_items("py-intro", n=5, user_id="dee"),
     "SELECT item_id FROM rec.similar_items('py-intro', 5, 'dee')"),
    (lambda: rec_nearby(52.51, 13.41, radius_km=20), "SELECT item_id FROM rec.nearby(52.51, 13.41, 20)"),
    (lambda: rec_search("python", n=3, user_id="ben"), "SELECT item_id FROM rec.search('python', 3, 'ben')"),
    (lambda: rec_next_items("cid", n=5), "SELECT item_id FROM rec.next_items('cid', 5)"),
    (lambda: rec_session_feed(["py-intro"], n=5), "SELECT item_id FROM rec.session_feed(ARRAY['py-intro'], 5)"),
    (lambda: rec_learning_path("ben", ["py-web", "sql-basics", "py-intro"]),
     "SELECT item_id FROM rec.learning_path('ben', ARRAY['py-web', 'sql-basics', 'py-intro'])"),
    (lambda: rec_items(["sql-basics", "nope", "py-web"]),
     "SELECT item_id FROM rec.items(ARRAY['sql-basics', 'py-web'])"),
    (lambda: rec_feed("dee", filter={"tags_any": ["category:programming"]}),
     """SELECT item_id FROM rec.feed('dee', filter => '{"tags_any": ["category:programming"]}')"""),
    (lambda: rec_feed("ben", type="trending"), "SELECT item_id FROM rec.feed('ben', type => 'trending')"),
    (lambda: rec_latest(filter={"price": {"lte": 10}}),
     """SELECT item_id FROM rec.latest(filter => '{"price": {"lte": 10}}')"""),
    (lambda: rec_search("python", user_id="ben", expand=True),
     "SELECT item_id FROM rec.search('python', user_id => 'ben', expand => true)"),
    (lambda: rec_rank("ana", ["sql-basics", "no-such-item", "py-web", "figma-proto"]),
     "SELECT item_id FROM rec.rank('ana', ARRAY['sql-basics', 'no-such-item', 'py-web', 'figma-proto'])"),
], ids=["trending", "latest", "similar", "nearby", "search", "next", "session", "learning_path", "items",
        "feed-filter", "feed-type", "latest-filter", "search-expand", "rank"])
def test_every_list_function_is_table_valued(api_db: ApiDatabase, engine: Engine, table: Any,
                                            statement: str) -> None:
    fn = table()
    with engine.connect() as conn:
        ids = [r.item_id for r in conn.execute(select(fn.c.item_id).order_by(fn.c.position))]
    assert ids, "empty in the test world"
    assert ids == [r[0] for r in api_db.sql(statement)]


def test_a_host_list_joined_with_rank(api_db: ApiDatabase, engine: Engine) -> None:
    """The host's own selection (its listings) ordered for the user in one query; what pgrec
    may not list comes last with score NULL."""
    ids = ["sql-basics", "py-web", "figma-proto", "py-intro"]
    ranked = rec_rank("ana", ids)
    with engine.connect() as conn:
        rows = conn.execute(select(ranked.c.item_id, ranked.c.score).order_by(ranked.c.position)).all()
    expected = api_db.sql("SELECT item_id, score FROM rec.rank('ana', %s)", (ids,))
    assert [(r.item_id, r.score is None) for r in rows] == [(e[0], e[1] is None) for e in expected]
    assert rows[-1].item_id == "figma-proto" and rows[-1].score is None  # ana blocks tool:figma


def test_search_with_a_query_embedding(api_db: ApiDatabase, engine: Engine) -> None:
    dim = api_db.sql("SELECT rec.embedding_dim()")[0][0]
    embedding = [1.0] + [0.0] * (dim - 1)
    fn = rec_search("python", query_embedding=embedding)
    with engine.connect() as conn:
        ids = [r.item_id for r in conn.execute(select(fn.c.item_id).order_by(fn.c.position))]
    assert ids and ids == [r[0] for r in api_db.sql(
        "SELECT item_id FROM rec.search('python', query_embedding => %s::text::public.vector)",
        (json.dumps(embedding),))]


def test_items_columns_are_typed(engine: Engine) -> None:
    fn = rec_items(["py-web"])
    with engine.connect() as conn:
        row = conn.execute(select(fn)).one()
    assert row.tags == ["category:web", "tool:python"] and row.location == {"lat": 52.5, "lon": 13.42}
    assert row.price == Decimal("20") and row.status == "active" and row.created_at.tzinfo is not None


def test_a_lateral_join_gives_every_user_their_own_feed(api_db: ApiDatabase, engine: Engine) -> None:
    users = values(column("user_id", Text), name="users").data([("ana",), ("ben",), ("cid",)])
    feed = rec_feed(users.c.user_id, n=2).lateral()
    query = (select(users.c.user_id, feed.c.item_id).select_from(users).join(feed, true())
             .order_by(users.c.user_id, feed.c.position))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    for user in ("ana", "ben", "cid"):
        assert [r.item_id for r in rows if r.user_id == user] == feed_order(api_db, user, 2)


def test_async_engine(api_db: ApiDatabase, host_url: str) -> None:
    async def main() -> list[str]:
        engine = create_async_engine(host_url)
        feed = rec_feed("ben", n=20)
        async with engine.connect() as conn:
            result = await conn.execute(select(Listing.id).join(feed, Listing.id == feed.c.item_id)
                                        .order_by(feed.c.position))
            ids = list(result.scalars())
        await engine.dispose()
        return ids

    assert asyncio.run(main()) == [i for i in feed_order(api_db, "ben") if i in {lid for lid, *_ in LISTINGS}]


def test_errors_become_the_clients_exceptions(engine: Engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(DBAPIError) as info:
            conn.execute(select(rec_feed("ana", n=0)))
        error = pgrec_error(info.value)
        assert isinstance(error, InvalidInput) and error.field == "n" and error.code == "22023"
        conn.rollback()
        with pytest.raises(DBAPIError) as info:
            conn.execute(select(rec_similar_items("no-such-item")))
        assert isinstance(pgrec_error(info.value), NotFound)
