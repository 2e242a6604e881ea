"""The pgrec CLI, through its entry point, against a real database."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from app import ROOT
from app.cli import main
from app.db import connect
from app.settings import get_settings


@pytest.fixture
def cli_env(fresh_db: str, monkeypatch: pytest.MonkeyPatch):
    """Point the CLI at a private migrated database, with a wide terminal for tables."""
    monkeypatch.setenv("DATABASE_URL", fresh_db)
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    yield fresh_db
    get_settings.cache_clear()


def test_demo_refresh_and_feed(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["demo", "--items", "80", "--users", "40", "--events", "3000", "--seed", "7"]) == 0
    with connect(cli_env) as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM pgrec.items), (SELECT count(*) FROM pgrec.events), "
                              "(SELECT count(*) FROM pgrec.item_stats)").fetchone()
        user = conn.execute("SELECT u.external_id FROM pgrec.users u JOIN pgrec.events e ON e.user_id = u.id "
                            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
        expected = [r[0] for r in conn.execute("SELECT item_id FROM rec.feed(%s, 5)", (user,)).fetchall()]
    assert counts[0] == 80 and counts[1] == 3000 and counts[2] > 0  # demo ends with a refresh
    # --if-empty leaves a loaded database alone.
    assert main(["demo", "--if-empty", "--items", "30", "--users", "30", "--events", "10"]) == 0
    with connect(cli_env) as conn:
        assert conn.execute("SELECT count(*) FROM pgrec.items").fetchone()[0] == 80

    capsys.readouterr()
    assert main(["feed", user, "-n", "5", "--terms", "13"]) == 0
    out = capsys.readouterr().out
    for item in expected:
        assert item in out
    assert "engagement" in out and "recency" in out  # the score terms are listed per item
    assert out.index(expected[0]) < out.index(expected[-1])

    assert main(["refresh", "stats"]) == 0
    assert "stats" in capsys.readouterr().out


def test_feed_fits_80_columns(cli_env: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["demo", "--items", "60", "--users", "30", "--events", "2000", "--seed", "3"]) == 0
    with connect(cli_env) as conn:
        user = conn.execute("SELECT u.external_id FROM pgrec.users u JOIN pgrec.events e ON e.user_id = u.id "
                            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
        rows = conn.execute("SELECT item_id, reasons FROM rec.feed(%s, 5)", (user,)).fetchall()
    monkeypatch.setenv("COLUMNS", "80")
    import app.cli

    monkeypatch.setattr(app.cli, "console", app.cli.Console(width=80))
    capsys.readouterr()
    assert main(["feed", user, "-n", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    for item, reasons in rows:
        assert item in text
        largest = max(reasons["terms"], key=lambda t: abs(reasons["terms"][t]))
        assert largest in text
        # Reasons are wrapped, not cut: every word of the first reason is printed.
        for word in (reasons["reasons"] or [""])[0].split():
            assert word in text
    assert "…" not in text


@pytest.mark.parametrize("command", [
    ["feed", "u1"], ["refresh"], ["keys", "list"], ["demo", "--if-empty"], ["migrate"], ["embed", "--status"],
    ["import", "items", "README.md"], ["db", "status"], ["up", "--port", "1"],
    ["evaluate", "--items", "20", "--users", "20", "--events", "300"],
], ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("url", ["postgresql://nobody@127.0.0.1:1/pgrec", "not a url"], ids=["stopped", "malformed"])
def test_an_unreachable_database_is_one_line_saying_what_to_do(command: list[str], url: str, capsys: pytest.CaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        code = main(command)
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    lines = [line for line in (captured.err + captured.out).splitlines() if line.strip()]
    assert code == 1
    assert "Traceback" not in captured.err
    problem = [line for line in lines if "DATABASE_URL" in line]
    assert len(problem) == 1, lines
    assert ("127.0.0.1:1" in problem[0]) if "nobody" in url else ("postgresql://user:password@host" in problem[0])


def test_sql_errors_are_reported_without_a_traceback(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["feed", "someone", "-n", "0"]) == 1
    err = capsys.readouterr().err
    assert "22023" in err and "Traceback" not in err


def test_console_script_runs(cli_env: str) -> None:
    pgrec = shutil.which("pgrec", path=str(ROOT / ".venv" / "bin")) or shutil.which("pgrec")
    command = [pgrec] if pgrec else [sys.executable, "-m", "app.cli"]
    result = subprocess.run([*command, "db", "url"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == cli_env


def test_embedded_database_lifecycle(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    data_dir = ROOT / ".pgdata-test-cli"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PGREC_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    try:
        assert main(["db", "start"]) == 0
        assert main(["db", "status"]) == 0
        assert "running" in capsys.readouterr().out
        assert main(["db", "url"]) == 0
        url = capsys.readouterr().out.strip()
        with connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert main(["db", "stop"]) == 0
        assert main(["db", "status"]) == 1
        assert "stopped" in capsys.readouterr().out
    finally:
        main(["db", "stop"])
        get_settings.cache_clear()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_experiment_list_and_report(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    with connect(cli_env) as conn:
        conn.execute("""SELECT rec.upsert_items('[{"id": "a"}, {"id": "b"}]')""")
        conn.execute("""SELECT rec.upsert_experiment('{"name": "cli_ab", "starts_at": "2020-01-01T00:00:00Z",
            "variants": [{"name": "control", "strategy": "default", "share": 0.5},
                         {"name": "bold", "strategy": "explore", "share": 0.5}]}')""")
        conn.execute("SELECT rec.log_impressions('r1', 'viewer', ARRAY['a', 'b'], 'cli_ab', 'bold')")
        conn.commit()
        conn.execute("""SELECT rec.track('[{"user_id": "viewer", "item_id": "a", "type": "like"}]')""")
        conn.commit()
    capsys.readouterr()
    assert main(["experiment", "list"]) == 0
    out = capsys.readouterr().out
    assert "cli_ab" in out and "running" in out and "bold (explore 0.5)" in out
    assert main(["experiment", "report", "cli_ab"]) == 0
    out = capsys.readouterr().out
    assert "bold" in out and "control (control)" in out
    ctr = next(line for line in out.splitlines() if line.strip("│ ").startswith("CTR "))
    assert "0.500 [0.095, 0.905]" in ctr  # 1 click of 2 impressions, with its Wilson interval
    assert main(["experiment", "report", "nope"]) == 1
    assert "P0002" in capsys.readouterr().err
    assert main(["experiment", "report"]) == 2
