"""rec.upsert_items: shapes, partial updates, typed tags, whole-batch validation."""

from __future__ import annotations

import json

import pytest

from tests.helpers import call, sqlstate_of


def item_row(conn, item_id: str) -> dict:
    row = conn.execute(
        "SELECT title, description, tags, creator_id, location ->> 'lat', location ->> 'lon', price, attributes, status, "
        "expires_at IS NOT NULL FROM rec.items(ARRAY[%s])", (item_id,)).fetchone()
    keys = ["title", "description", "tags", "creator_id", "lat", "lon", "price", "attributes", "status", "expires"]
    values = dict(zip(keys, row))
    values["lat"], values["lon"] = (None if v is None else float(v) for v in (values["lat"], values["lon"]))
    return values


def test_insert_then_partial_update_keeps_left_out_keys(conn) -> None:
    written = call(conn, "upsert_items", [{
        "id": "p1", "title": "Figma color systems", "description": "Palettes that scale",
        "tags": ["tool:Figma", "category:design", "Beginner"], "creator_id": "ana",
        "location": {"lat": 52.52, "lon": 13.405}, "price": 12.5, "attributes": {"level": 2},
        "expires_at": "2030-01-01T00:00:00Z"}])
    assert written == 1
    assert call(conn, "upsert_items", [{"id": "p1", "title": "Figma colour systems"}]) == 1
    row = item_row(conn, "p1")
    assert row["title"] == "Figma colour systems"
    assert row["description"] == "Palettes that scale"
    # Typed tags are case-folded; a plain tag has kind 'tag' and is shown without a prefix.
    assert row["tags"] == ["beginner", "category:design", "tool:figma"]
    assert (row["lat"], row["lon"], float(row["price"])) == (52.52, 13.405, 12.5)
    assert row["attributes"] == {"level": 2} and row["expires"] is True


def test_null_clears_optional_fields_and_tags_replace(conn) -> None:
    call(conn, "upsert_items", [{"id": "p2", "tags": ["a", "b"], "location": {"lat": 1, "lon": 2}, "price": 3}])
    call(conn, "upsert_items", [{"id": "p2", "tags": ["c"], "location": None, "price": None}])
    row = item_row(conn, "p2")
    assert row["tags"] == ["c"] and row["lat"] is None and row["price"] is None


def test_typed_tags_split_kind_and_value(conn) -> None:
    call(conn, "upsert_items", [{"id": "p3", "tags": ["tool:python", "topic:ml", "http://x.y"]}])
    kinds = dict(conn.execute(
        "SELECT t.name, t.kind FROM pgrec.items i JOIN pgrec.tags t ON t.id = ANY (i.tag_ids) "
        "WHERE i.external_id = 'p3'").fetchall())
    assert kinds["tool:python"] == "tool" and kinds["topic:ml"] == "topic"
    # "http" is a valid kind spelling, so "http://x.y" is typed too; what matters is that the
    # name round-trips unchanged.
    assert "http://x.y" in kinds


def test_status_and_counts(conn) -> None:
    assert call(conn, "upsert_items", [{"id": f"s{i}"} for i in range(5)]) == 5
    assert call(conn, "upsert_items", [{"id": "s1", "status": "hidden"}, {"id": "s9"}]) == 2
    assert conn.execute("SELECT status FROM pgrec.items WHERE external_id = 's1'").fetchone()[0] == "hidden"
    assert call(conn, "upsert_items", []) == 0


@pytest.mark.parametrize("payload, sqlstate", [
    (None, "22004"),
    ({"id": "x"}, "22023"),                                   # not an array
    (["x"], "22023"),                                         # element not an object
    ([{"title": "no id"}], "22004"),
    ([{"id": None}], "22004"),
    ([{"id": ""}], "22023"),
    ([{"id": 5}], "22023"),
    ([{"id": "x", "titel": "typo"}], "22023"),                 # unknown key
    ([{"id": "x", "tags": "design"}], "22023"),
    ([{"id": "x", "tags": ["ok", 3]}], "22023"),
    ([{"id": "x", "tags": [""]}], "22023"),
    ([{"id": "x", "location": {"lat": 91, "lon": 0}}], "22023"),
    ([{"id": "x", "location": {"lat": 1}}], "22023"),
    ([{"id": "x", "price": -1}], "22023"),
    ([{"id": "x", "price": "12"}], "22023"),
    ([{"id": "x", "status": "deleted"}], "22023"),
    ([{"id": "x", "created_at": "yesterday-ish"}], "22023"),
    ([{"id": "x", "attributes": [1]}], "22023"),
    ([{"id": "x"}, {"id": "x"}], "22023"),                     # duplicate id in one batch
])
def test_bad_input_is_rejected_with_sqlstate(conn, payload, sqlstate) -> None:
    error = sqlstate_of(conn, lambda: conn.execute("SELECT rec.upsert_items(%s::jsonb)",
                                                   (None if payload is None else json.dumps(payload),)))
    assert error.diag.sqlstate == sqlstate


def test_an_invalid_batch_writes_nothing_and_names_the_element(conn) -> None:
    call(conn, "upsert_items", [{"id": "keep", "title": "original"}])
    error = sqlstate_of(conn, lambda: call(conn, "upsert_items", [
        {"id": "keep", "title": "changed"}, {"id": "new1"}, {"id": "bad", "price": -5}]))
    assert error.diag.sqlstate == "22023"
    assert "items[2]" in error.diag.message_primary and "bad" in error.diag.message_primary
    assert conn.execute("SELECT title FROM pgrec.items WHERE external_id = 'keep'").fetchone()[0] == "original"
    assert conn.execute("SELECT count(*) FROM pgrec.items WHERE external_id IN ('new1', 'bad')").fetchone()[0] == 0


def test_batch_size_is_capped(conn) -> None:
    error = sqlstate_of(conn, lambda: call(conn, "upsert_items", [{"id": f"b{i}"} for i in range(10001)]))
    assert error.diag.sqlstate == "22023"
