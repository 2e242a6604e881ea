"""The content filter every list takes: one grammar (tags_any, tags_all, tags_none, attributes,
price), validated once (22023 naming the element), applied in one place (eligibility in
rec._score), so each list and rec.explain agree."""

from __future__ import annotations

import json

import pytest

from tests.helpers import ago, at, explain, query, refresh, sqlstate_of, track, upsert_items, upsert_users

CATALOGUE = [
    {"id": "py-1", "title": "Python lesson one", "tags": ["category:python", "format:video"],
     "attributes": {"type": "lesson", "level": 1, "duration_minutes": 10}, "price": 0, "location": {"lat": 52.5, "lon": 13.4}},
    {"id": "py-2", "title": "Python lesson two", "tags": ["category:python", "format:reading"],
     "attributes": {"type": "lesson", "level": 2, "duration_minutes": 25}, "price": 15, "location": {"lat": 52.5, "lon": 13.41}},
    {"id": "py-3", "title": "Python lesson three", "tags": ["category:python", "format:video"],
     "attributes": {"type": "lesson", "level": 4, "duration_minutes": 40, "free": True}, "price": 60,
     "location": {"lat": 52.51, "lon": 13.4}},
    {"id": "py-course", "title": "Python course", "tags": ["category:python"], "attributes": {"type": "course", "level": 2},
     "location": {"lat": 52.49, "lon": 13.4}},
    {"id": "sql-1", "title": "SQL lesson one", "tags": ["category:sql", "format:video"],
     "attributes": {"type": "lesson", "level": "beginner"}, "price": 5, "location": {"lat": 52.5, "lon": 13.39}},
]


@pytest.fixture
def world(conn):
    at(conn)
    upsert_items(conn, CATALOGUE)
    upsert_users(conn, [{"id": "ana", "preferences": {"preferred_tags": {"category:python": 1, "category:sql": 1}}}])
    events = [{"user_id": u, "item_id": i, "type": "like", "at": ago(hours=h)}
              for h, (u, i) in enumerate([("ben", "py-1"), ("ben", "py-2"), ("cid", "py-2"), ("cid", "py-3"),
                                          ("dee", "sql-1"), ("dee", "py-course"), ("eve", "py-3"), ("eve", "sql-1")])]
    # Two visitors walk the same path, so "next" has transitions to rank.
    events += [{"user_id": u, "item_id": i, "type": "view", "at": ago(hours=10 - k * 0.1)}
               for u in ("fay", "gus") for k, i in enumerate(["py-1", "py-3", "sql-1", "py-course", "py-2"])]
    track(conn, events)
    refresh(conn)
    return conn


def ids(conn, sql: str, flt: dict | None) -> set[str]:
    return {r[0] for r in query(conn, sql, (None if flt is None else json.dumps(flt),))}


LISTS = {
    "feed": "SELECT item_id FROM rec.feed('ana', 50, filter => %s::jsonb)",
    "trending": "SELECT item_id FROM rec.trending(50, \"window\" => '7 days', filter => %s::jsonb)",
    "latest": "SELECT item_id FROM rec.latest(50, filter => %s::jsonb)",
    "similar": "SELECT item_id FROM rec.similar_items('py-1', 50, filter => %s::jsonb)",
    "nearby": "SELECT item_id FROM rec.nearby(52.5, 13.4, 20, 50, filter => %s::jsonb)",
    "search": "SELECT item_id FROM rec.search('lesson', 50, filter => %s::jsonb)",
    "session": "SELECT item_id FROM rec.session_feed(ARRAY['py-1'], 50, filter => %s::jsonb)",
    "next": "SELECT item_id FROM rec.next_items('ben', 50, filter => %s::jsonb)",
    "rank": "SELECT item_id FROM rec.rank('ana', ARRAY['py-1', 'py-2', 'py-3', 'py-course', 'sql-1'], "
            "filter => %s::jsonb) WHERE score IS NOT NULL",
}

FILTERS = [
    ({"tags_any": ["format:video"]}, {"py-1", "py-3", "sql-1"}),
    ({"tags_all": ["category:python", "format:video"]}, {"py-1", "py-3"}),
    ({"tags_none": ["category:python"]}, {"sql-1"}),
    ({"attributes": {"level": {"lte": 2}}}, {"py-1", "py-2", "py-course"}),
    ({"attributes": {"level": {"gt": 1, "lt": 4}}}, {"py-2", "py-course"}),
    ({"attributes": {"type": {"eq": "lesson"}, "duration_minutes": {"gte": 20}}}, {"py-2", "py-3"}),
    ({"attributes": {"type": {"in": ["course"]}}}, {"py-course"}),
    ({"attributes": {"type": {"nin": ["course"]}}}, {"py-1", "py-2", "py-3", "sql-1"}),
    ({"attributes": {"level": {"ne": 1}}}, {"py-2", "py-3", "py-course", "sql-1"}),
    ({"attributes": {"level": {"eq": "beginner"}}}, {"sql-1"}),
    ({"attributes": {"free": {"exists": True}}}, {"py-3"}),
    ({"attributes": {"free": {"exists": False}}}, {"py-1", "py-2", "py-course", "sql-1"}),
    ({"price": {"lte": 15}}, {"py-1", "py-2", "sql-1"}),
    ({"price": {"gt": 0, "lt": 60}}, {"py-2", "sql-1"}),
    ({"tags_any": ["category:python"], "attributes": {"level": {"lte": 2}}, "price": {"gte": 10}}, {"py-2"}),
    ({"tags_any": ["no-such-tag"]}, set()),
    ({"tags_all": ["category:python", "no-such-tag"]}, set()),
    ({"tags_none": ["no-such-tag"]}, {"py-1", "py-2", "py-3", "py-course", "sql-1"}),
    ({}, {"py-1", "py-2", "py-3", "py-course", "sql-1"}),
]


@pytest.mark.parametrize("list_name", LISTS)
def test_every_list_applies_the_same_filter(world, list_name: str) -> None:
    sql = LISTS[list_name]
    unfiltered = ids(world, sql, None)
    assert unfiltered, f"{list_name} lists nothing in the test world"
    for flt, allowed in FILTERS:
        got = ids(world, sql, flt)
        # The filter only ever removes: what passes is the unfiltered list's items it allows.
        assert got == unfiltered & allowed, (list_name, flt)


def test_explain_says_which_part_of_the_filter_left_an_item_out(world) -> None:
    """The filter is eligibility: rec._score reports it, as it reports a blocked tag."""
    ctx = "SELECT s.excluded FROM rec._score(rec._list_context('feed', 'default', NULL, 'ana', 20, 0, p_filter => %s::jsonb), " \
          "ARRAY(SELECT id FROM pgrec.items WHERE external_id = %s)) AS s"
    for flt, item, why in [({"tags_any": ["format:reading"]}, "py-1", "filtered out (tags_any)"),
                           ({"tags_all": ["format:reading", "category:python"]}, "py-1", "filtered out (tags_all)"),
                           ({"tags_none": ["format:video"]}, "py-1", "filtered out (tags_none)"),
                           ({"attributes": {"level": {"gte": 3}}}, "py-1", "filtered out (attributes)"),
                           ({"price": {"gt": 0}}, "py-1", "filtered out (price)"),
                           ({"price": {"gt": 0}}, "py-course", "filtered out (price)"),  # no price fails a price bound
                           ({"price": {"gt": 0}}, "py-2", None)]:
        assert query(world, ctx, (json.dumps(flt), item)) == [(why,)], (flt, item)
    assert explain(world, "ana", "py-1")["eligible"] is True


@pytest.mark.parametrize(("flt", "names"), [
    ([1], "filter must be a JSON object"),
    ({"tagz": ["x"]}, 'filter: unknown key "tagz"'),
    ({"tags_any": "category:python"}, "filter.tags_any must be an array"),
    ({"tags_any": []}, "filter.tags_any must be an array of 1 to 50"),
    ({"tags_none": [f"t{i}" for i in range(51)]}, "filter.tags_none must be an array of 1 to 50"),
    ({"tags_all": ["ok", 3]}, "filter.tags_all[1]"),
    ({"tags_all": ["ok", " "]}, "filter.tags_all[1]"),
    ({"attributes": []}, "filter.attributes must be an object"),
    ({"attributes": {"level": 3}}, "filter.attributes.level must be an object of operators"),
    ({"attributes": {"level": {}}}, "filter.attributes.level must be an object of operators"),
    ({"attributes": {"level": {"lt3": 1}}}, 'filter.attributes.level: unknown operator "lt3"'),
    ({"attributes": {"level": {"lte": [3]}}}, "filter.attributes.level.lte must be a number or a string"),
    ({"attributes": {"level": {"eq": None}}}, "filter.attributes.level.eq"),
    ({"attributes": {"level": {"in": []}}}, "filter.attributes.level.in"),
    ({"attributes": {"level": {"in": [{"a": 1}]}}}, "filter.attributes.level.in"),
    ({"attributes": {"free": {"exists": "yes"}}}, "filter.attributes.free.exists"),
    ({"attributes": {"bad key!": {"eq": 1}}}, "filter.attributes: key"),
    ({"attributes": {f"k{i}": {"eq": 1} for i in range(21)}}, "filter.attributes may hold at most 20 keys"),
    ({"price": 5}, "filter.price must be an object"),
    ({"price": {"eq": 5}}, 'filter.price: unknown operator "eq"'),
    ({"price": {"lte": "cheap"}}, "filter.price.lte must be a number"),
    ({"tags_any": ["x" * 200] * 50, "attributes": {"k": {"in": ["y" * 300] * 100}}}, "filter is larger than 16 KB"),
])
def test_malformed_filters_are_22023_naming_the_element(world, flt, names: str) -> None:
    for sql in (LISTS["feed"], LISTS["latest"], LISTS["rank"], LISTS["session"]):
        error = sqlstate_of(world, lambda: world.execute(sql, (json.dumps(flt),)).fetchall())
        assert error.sqlstate == "22023", (sql, flt, error)
        assert error.diag.message_primary.startswith(names), error.diag.message_primary


def test_a_filter_is_validated_even_when_nothing_is_ranked(world) -> None:
    """next_items without history and session_feed without a known item return early; the
    filter is still checked, so a typo fails the first time, not only once there is data."""
    bad = json.dumps({"tags": ["x"]})
    for sql in ("SELECT * FROM rec.next_items('nobody', 5, filter => %s::jsonb)",
                "SELECT * FROM rec.session_feed(ARRAY['no-such-item'], 5, filter => %s::jsonb)",
                "SELECT * FROM rec.rank('ana', ARRAY['no-such-item'], filter => %s::jsonb)"):
        assert sqlstate_of(world, lambda: world.execute(sql, (bad,)).fetchall()).sqlstate == "22023", sql
