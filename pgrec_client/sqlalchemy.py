"""The ``rec`` list functions as SQLAlchemy table-valued functions.

A host app joins its own tables with a pgrec list in one query, in Core or the ORM::

    from pgrec_client.sqlalchemy import rec_feed

    feed = rec_feed("u1", n=20)
    rows = session.execute(
        select(Listing, feed.c.score)
        .join(feed, Listing.id == feed.c.item_id)
        .order_by(feed.c.position)
    ).all()

Each function returns a ``TableValuedAlias`` (``func.rec.feed(...).table_valued(...)``) with
typed columns — ``item_id`` (Text), ``score`` (Double), ``reasons`` (JSONB) — plus
``position``, the row's place in pgrec's order (``WITH ORDINALITY``, from 1). Order by
``position``: scores never increase down a list, but equal scores are ordinary (an item the
category cap moves down takes the score of the one above it; ties are broken by engagement),
and a join sorted by score leaves their order to the planner. ``rec_items`` has no score and
``rec_learning_path`` is in ``step`` order, which ``position`` follows too.

Arguments are passed by name (``rec.feed(user_id => …, n => …)``) and only when given, so the
SQL defaults apply to the rest. A Python value is sent as a bound parameter of the SQL type of
that argument; a SQLAlchemy expression (``User.id``) is used as it is, e.g. in a LATERAL join.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Sequence

from sqlalchemy import ARRAY, Boolean, DateTime, Double, Integer, Numeric, Text, bindparam, cast, column, func
from sqlalchemy.dialects.postgresql import INTERVAL, JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeEngine, UserDefinedType

from pgrec_client.calls import ALL
from pgrec_client.errors import PgrecError, error_for_sqlstate, field_of

__all__ = [
    "rec_feed", "rec_trending", "rec_latest", "rec_similar_items", "rec_nearby", "rec_search", "rec_next_items",
    "rec_session_feed", "rec_rank", "rec_learning_path", "rec_items", "pgrec_error",
]


class Vector(UserDefinedType[Any]):
    """pgvector's type, for ``query_embedding``; values are sent in its text form."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "public.vector"

    def bind_processor(self, dialect: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, str):
                return value
            return "[" + ",".join(repr(float(x)) for x in value) + "]"

        return process


class NamedArgument(ColumnElement[Any]):
    """``name => value`` in a function call (PostgreSQL's named notation)."""

    inherit_cache = True
    _traverse_internals = [("name", InternalTraversal.dp_string), ("value", InternalTraversal.dp_clauseelement)]

    def __init__(self, name: str, value: ColumnElement[Any]) -> None:
        self.name = name
        self.value = value
        self.type = value.type


@compiles(NamedArgument)
def _named_argument(element: NamedArgument, compiler: Any, **kw: Any) -> str:
    return f"{compiler.preparer.quote(element.name)} => {compiler.process(element.value, **kw)}"


def _argument(name: str, value: Any, type_: TypeEngine[Any]) -> NamedArgument:
    if isinstance(value, ClauseElement):
        expression = value
    elif isinstance(type_, INTERVAL) and isinstance(value, str):
        expression = cast(bindparam(name, value, type_=Text, unique=True), INTERVAL)  # '7 days', as in SQL
    elif isinstance(type_, Vector):
        expression = cast(bindparam(name, value, type_=type_, unique=True), type_)
    else:
        expression = bindparam(name, list(value) if isinstance(type_, ARRAY) else value, type_=type_, unique=True)
    return NamedArgument(name, expression)  # type: ignore[arg-type]


RANKED = (("item_id", Text()), ("score", Double()), ("reasons", JSONB()))


def _table(function: str, arguments: dict[str, tuple[Any, TypeEngine[Any]]], columns: Sequence[tuple[str, Any]],
           name: str | None) -> TableValuedAlias:
    named = [_argument(arg, value, type_) for arg, (value, type_) in arguments.items() if value is not None]
    call = getattr(func.rec, function)(*named)
    # render_derived: PostgreSQL names the ordinality column "ordinality" unless the alias
    # lists the column names, so they are listed (without types: these functions return
    # declared row types, not records).
    return call.table_valued(*(column(c, t) for c, t in columns), with_ordinality="position",
                             name=name).render_derived()


def rec_feed(user_id: Any, *, n: Any = None, offset: Any = None, strategy: Any = None, weights: Any = None,
             type: Any = None, filter: Any = None, exclusion_policy: Any = None,
             name: str | None = None) -> TableValuedAlias:
    """``rec.feed``: the user's "For You" list (``type``: a recommendation type; ``filter``: the
    content filter; ``exclusion_policy``: what to leave out instead of the strategy's policy)."""
    return _table("feed", {"user_id": (user_id, Text()), "n": (n, Integer()), "offset": (offset, Integer()),
                           "strategy": (strategy, Text()), "weights": (weights, JSONB()), "type": (type, Text()),
                           "filter": (filter, JSONB()), "exclusion_policy": (exclusion_policy, Text())}, RANKED, name)


def rec_trending(*, n: Any = None, offset: Any = None, window: str | timedelta | None = None, user_id: Any = None,
                 tags: Sequence[str] | None = None, strategy: Any = None, filter: Any = None,
                 name: str | None = None) -> TableValuedAlias:
    """``rec.trending``: engagement velocity in a window (default 24 hours)."""
    return _table("trending", {"n": (n, Integer()), "offset": (offset, Integer()), "window": (window, INTERVAL()),
                               "user_id": (user_id, Text()), "tags": (tags, ARRAY(Text)),
                               "strategy": (strategy, Text()), "filter": (filter, JSONB())}, RANKED, name)


def rec_latest(*, n: Any = None, offset: Any = None, tags: Sequence[str] | None = None, strategy: Any = None,
               user_id: Any = None, filter: Any = None, name: str | None = None) -> TableValuedAlias:
    """``rec.latest``: newest first."""
    return _table("latest", {"n": (n, Integer()), "offset": (offset, Integer()), "tags": (tags, ARRAY(Text)),
                             "strategy": (strategy, Text()), "user_id": (user_id, Text()), "filter": (filter, JSONB())},
                  RANKED, name)


def rec_similar_items(item_id: Any, *, n: Any = None, user_id: Any = None, strategy: Any = None,
                      filter: Any = None, name: str | None = None) -> TableValuedAlias:
    """``rec.similar_items``: items like one item."""
    return _table("similar_items", {"item_id": (item_id, Text()), "n": (n, Integer()), "user_id": (user_id, Text()),
                                    "strategy": (strategy, Text()), "filter": (filter, JSONB())}, RANKED, name)


def rec_nearby(lat: Any, lon: Any, *, radius_km: Any = None, n: Any = None, user_id: Any = None, strategy: Any = None,
               filter: Any = None, name: str | None = None) -> TableValuedAlias:
    """``rec.nearby``: live items around a point; ``reasons['distance_km']`` is the distance."""
    return _table("nearby", {"lat": (lat, Double()), "lon": (lon, Double()), "radius_km": (radius_km, Double()),
                             "n": (n, Integer()), "user_id": (user_id, Text()), "strategy": (strategy, Text()),
                             "filter": (filter, JSONB())}, RANKED, name)


def rec_search(query: Any, *, n: Any = None, user_id: Any = None, query_embedding: Any = None, strategy: Any = None,
               expand: bool | None = None, filter: Any = None, name: str | None = None) -> TableValuedAlias:
    """``rec.search``: keyword search, fused with vector search when ``query_embedding`` is given;
    ``expand`` adds the user's strongest interests to the query."""
    return _table("search", {"query": (query, Text()), "n": (n, Integer()), "user_id": (user_id, Text()),
                             "query_embedding": (query_embedding, Vector()), "strategy": (strategy, Text()),
                             "expand": (expand, Boolean()), "filter": (filter, JSONB())},
                  RANKED, name)


def rec_next_items(user_id: Any, *, n: Any = None, strategy: Any = None, filter: Any = None,
                   name: str | None = None) -> TableValuedAlias:
    """``rec.next_items``: next steps after the user's latest items."""
    return _table("next_items", {"user_id": (user_id, Text()), "n": (n, Integer()), "strategy": (strategy, Text()),
                                 "filter": (filter, JSONB())}, RANKED, name)


def rec_session_feed(item_ids: Sequence[str], *, n: Any = None, strategy: Any = None, filter: Any = None,
                     name: str | None = None) -> TableValuedAlias:
    """``rec.session_feed``: an anonymous visitor's list from the items viewed this session."""
    return _table("session_feed", {"item_ids": (item_ids, ARRAY(Text)), "n": (n, Integer()),
                                   "strategy": (strategy, Text()), "filter": (filter, JSONB())}, RANKED, name)


def rec_rank(user_id: Any, item_ids: Sequence[str], *, strategy: Any = None, filter: Any = None,
             name: str | None = None) -> TableValuedAlias:
    """``rec.rank``: the host's own ids ordered for the user (``score`` NULL after the ranked
    ones: not listable, or unknown)."""
    return _table("rank", {"user_id": (user_id, Text()), "item_ids": (item_ids, ARRAY(Text)),
                           "strategy": (strategy, Text()), "filter": (filter, JSONB())}, RANKED, name)


def rec_learning_path(user_id: Any, item_ids: Sequence[str], *, name: str | None = None) -> TableValuedAlias:
    """``rec.learning_path``: ``step``, ``item_id``, ``score``, ``reasons`` (``position`` equals ``step``)."""
    return _table("learning_path", {"user_id": (user_id, Text()), "item_ids": (item_ids, ARRAY(Text))},
                  (("step", Integer()), *RANKED), name)


def rec_items(item_ids: Sequence[str], *, name: str | None = None) -> TableValuedAlias:
    """``rec.items``: stored fields of up to 1,000 items, in the order asked (``position``)."""
    return _table("items", {"item_ids": (item_ids, ARRAY(Text))},
                  (("item_id", Text()), ("title", Text()), ("description", Text()), ("tags", ARRAY(Text)),
                   ("creator_id", Text()), ("created_at", DateTime(timezone=True)), ("location", JSONB()),
                   ("price", Numeric()), ("attributes", JSONB()), ("status", Text()),
                   ("expires_at", DateTime(timezone=True)), ("embedded", Boolean())), name)


# Every argument name of the rec functions: a message starting with one names that field.
_ARGUMENTS = {name for call in ALL for name, _ in call.args}


def pgrec_error(exc: DBAPIError) -> PgrecError:
    """The client's exception for a database error SQLAlchemy raised while running a ``rec``
    function, so a host app handles it like the client's own::

        try:
            rows = session.execute(select(...).join(rec_feed(user_id, n=n), ...)).all()
        except DBAPIError as exc:
            raise pgrec_error(exc) from exc     # InvalidInput(field="n"), NotFound, ...
    """
    orig = exc.orig
    try:
        import psycopg

        if isinstance(orig, psycopg.Error):
            from pgrec_client.sql import database_error

            return database_error(orig, _ARGUMENTS)
    except ImportError:  # pragma: no cover - another driver
        pass
    # Other drivers: asyncpg names it sqlstate, psycopg2 pgcode.
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    message = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return error_for_sqlstate(sqlstate)(message, code=sqlstate, field=field_of(message, _ARGUMENTS))
