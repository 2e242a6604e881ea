"""`pgrec import`: CSV, JSON Lines and MovieLens files through rec.upsert_items, rec.upsert_users
and rec.track, with column mapping, dry runs, and rejected rows reported by line number."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from app.cli import main
from app.settings import get_settings


@pytest.fixture
def db_env(fresh_db: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", fresh_db)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield fresh_db
    get_settings.cache_clear()


def sql(url: str, statement: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params or None).fetchall()


ITEMS_CSV = """sku,name,tags,genre,lat,lon,price,status
a1,Alpha lamp,category:home|tool:solder,retro,52.52,13.40,12.5,active
a2,Broken price,category:home,,,,-3,active
a3,"Multi-line
title",category:garden,,38.72,-9.14,,active
a4,Odd status,category:home,,,,,sleeping
a5,Plain,,modern,,,0,
"""


def test_csv_items_with_mapping_and_rejected_rows(db_env: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "items.csv"
    path.write_text(ITEMS_CSV)
    code = main(["import", "items", str(path), "--map", "sku=id", "--map", "name=title",
                 "--map", "genre=attributes.genre", "--batch-size", "2"])
    out = capsys.readouterr().out
    assert code == 1  # rejects make a non-zero exit
    assert "5 rows read, 3 written, 2 rejected" in out
    # Line numbers of the file (the multi-line row starts on line 4, so a4 is on line 6).
    assert 'line 3: (id "a2"): price must be a number between 0 and 1e12' in out
    assert 'line 6: (id "a4")' in out and "status" in out
    rows = dict(sql(db_env, "SELECT external_id, jsonb_build_object('title', title, 'price', price, 'attributes', "
                            "attributes, 'lat', lat) FROM pgrec.items"))
    assert set(rows) == {"a1", "a3", "a5"}
    assert rows["a1"] == {"title": "Alpha lamp", "price": 12.5, "attributes": {"genre": "retro"}, "lat": 52.52}
    assert rows["a3"]["title"] == "Multi-line\ntitle" and rows["a5"]["price"] == 0
    tags = sql(db_env, "SELECT t.name FROM pgrec.items i JOIN pgrec.tags t ON t.id = ANY(i.tag_ids) "
                       "WHERE i.external_id = 'a1' ORDER BY 1")
    assert [t for (t,) in tags] == ["category:home", "tool:solder"]


def test_unknown_columns_are_refused_before_anything_is_sent(db_env: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "items.csv"
    path.write_text("id,title,colour\nx,X,red\n")
    assert main(["import", "items", str(path)]) == 2
    err = capsys.readouterr().err
    assert "colour" in err and "--map colour=attributes.colour" in err and "Traceback" not in err
    assert sql(db_env, "SELECT count(*) FROM pgrec.items") == [(0,)]
    assert main(["import", "items", str(path), "--map", "colour="]) == 0  # dropped
    assert sql(db_env, "SELECT count(*) FROM pgrec.items") == [(1,)]


def events_jsonl(tmp_path: Path) -> Path:
    lines = [
        {"event_id": "e1", "user_id": "ana", "item_id": "a1", "type": "like", "at": "2026-05-01T10:00:00Z"},
        {"event_id": "e2", "user_id": "ana", "item_id": "ghost", "type": "like"},
        "{not json",
        {"event_id": "e3", "user": "ben", "item_id": "a1", "type": "view"},
        {"event_id": "e4", "user": "ben", "item_id": "a1", "type": "teleport"},
        [1, 2],
        {"event_id": "e1", "user_id": "ana", "item_id": "a1", "type": "like", "at": "2026-05-01T10:00:00Z"},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n\n")
    return path


def test_jsonl_events_dry_run_then_import(db_env: str, tmp_path: Path, capsys) -> None:
    sql(db_env, """SELECT rec.upsert_items('[{"id": "a1"}]')""")
    path = events_jsonl(tmp_path)
    args = ["import", "events", str(path), "--map", "user=user_id", "--batch-size", "10"]

    assert main([*args, "--dry-run"]) == 1
    dry = capsys.readouterr().out
    assert "7 rows read, 2 would write" in dry and "4 rejected" in dry and "nothing stored" in dry
    assert sql(db_env, "SELECT count(*) FROM pgrec.events") == [(0,)]

    assert main(args) == 1
    out = capsys.readouterr().out
    assert "7 rows read, 2 written (1 already there), 4 rejected" in out
    assert 'line 2: unknown item "ghost"' in out
    assert "line 3: not JSON" in out and "line 6: expected a JSON object" in out
    assert "line 5:" in out and "teleport" in out
    # The dry run reported exactly what the import then rejected.
    assert [l for l in dry.splitlines() if l.startswith("  line")] == [l for l in out.splitlines() if l.startswith("  line")]
    assert sql(db_env, "SELECT e.event_id, u.external_id, e.type FROM pgrec.events e JOIN pgrec.users u "
                       "ON u.id = e.user_id ORDER BY 1") == [("e1", "ana", "like"), ("e3", "ben", "view")]

    # Importing again adds nothing: event ids make it idempotent.
    main(args)
    assert "0 written" in capsys.readouterr().out
    assert sql(db_env, "SELECT count(*) FROM pgrec.events") == [(2,)]


def test_csv_users_with_preferences_and_events_with_a_default_type(db_env: str, tmp_path: Path, capsys) -> None:
    users = tmp_path / "users.csv"
    users.write_text("id,lat,lon,preferences.blocked_tags,preferences.max_distance_km,plan\n"
                     "ana,52.5,13.4,category:fitness|category:music,25,pro\n"
                     "ben,,,,far,free\n")
    assert main(["import", "users", str(users), "--map", "plan=attributes.plan"]) == 1
    out = capsys.readouterr().out
    assert "2 rows read, 1 written, 1 rejected" in out and 'line 3: (id "ben")' in out and "max_distance_km" in out
    exported = sql(db_env, "SELECT rec.export_user('ana')")[0][0]["user"]
    assert exported["preferences"]["blocked_tags"] == ["category:fitness", "category:music"]
    assert exported["preferences"]["max_distance_km"] == 25 and exported["attributes"] == {"plan": "pro"}

    sql(db_env, """SELECT rec.upsert_items('[{"id": "a1"}, {"id": "a2"}]')""")
    pairs = tmp_path / "likes.csv"
    pairs.write_text("user_id,item_id\nana,a1\nana,a2\n")
    assert main(["import", "events", str(pairs), "--type", "like"]) == 0
    assert "2 rows read, 2 written, 0 rejected" in capsys.readouterr().out


def test_movielens_100k_files(db_env: str, tmp_path: Path, capsys) -> None:
    flags = ["0"] * 19
    flags[5] = "1"  # comedy
    (tmp_path / "u.item").write_text("".join(f"{m}|Movie {m} (1995)|01-Jan-1995||http://x|{'|'.join(flags)}\n"
                                             for m in (1, 2, 3)), encoding="latin-1")
    (tmp_path / "u.user").write_text("1|24|M|technician|85711\n2|53|F|other|94043\n")
    (tmp_path / "u.data").write_text("1\t1\t5\t881250949\n1\t2\t3\t881250950\n2\t3\t4\t881250951\n2\t9\t4\t881250952\n")
    assert main(["import", "items", str(tmp_path / "u.item")]) == 0
    assert main(["import", "users", str(tmp_path / "u.user")]) == 0
    assert main(["import", "events", str(tmp_path / "u.data")]) == 1  # movie 9 is not in u.item
    out = capsys.readouterr().out
    assert "4 rows read, 3 written, 1 rejected" in out and 'line 4: unknown item "9"' in out
    assert sql(db_env, "SELECT title FROM pgrec.items WHERE external_id = '2'") == [("Movie 2 (1995)",)]
    assert sql(db_env, "SELECT attributes->>'occupation' FROM pgrec.users WHERE external_id = '1'") == [("technician",)]
    assert sql(db_env, "SELECT type, value FROM pgrec.events e JOIN pgrec.items i ON i.id = e.item_id "
                       "WHERE i.external_id = '1'") == [("rate", 5.0)]


def test_a_missing_file_and_bad_options_are_one_line(db_env: str, tmp_path: Path, capsys) -> None:
    assert main(["import", "items", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "x.csv").write_text("id\nx\n")
    assert main(["import", "items", str(tmp_path / "x.csv"), "--batch-size", "20000"]) == 2
    assert main(["import", "items", str(tmp_path / "x.csv"), "--map", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert "batch-size" in err and "SOURCE=TARGET" in err and "Traceback" not in err
