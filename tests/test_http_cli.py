"""`pgrec keys` and `pgrec serve` through the CLI entry point."""

from __future__ import annotations

import re

import psycopg
import pytest

from app.cli import build_parser, main
from app.settings import get_settings


@pytest.fixture
def cli_db(fresh_db: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", fresh_db)
    get_settings.cache_clear()
    yield fresh_db
    get_settings.cache_clear()


def test_keys_create_prints_the_secret_alone_on_the_last_line(cli_db: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["keys", "create", "web-backend", "--scope", "read", "--scope", "write"]) == 0
    out = capsys.readouterr().out
    last = out.rstrip("\n").split("\n")[-1]
    assert re.fullmatch(r"pgrec_[0-9a-f]{12}_[0-9a-f]{64}", last)
    with psycopg.connect(cli_db) as conn:
        assert conn.execute("SELECT * FROM rec.authenticate(%s)", (last,)).fetchall() == [("web-backend", ["read", "write"])]

    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "web-backend" in listing and last not in listing and last[19:] not in listing

    assert main(["keys", "revoke", "web-backend"]) == 0
    assert "revoked" in capsys.readouterr().out
    with psycopg.connect(cli_db) as conn:
        assert conn.execute("SELECT * FROM rec.authenticate(%s)", (last,)).fetchall() == []


def test_keys_errors(cli_db: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["keys", "revoke", "never-made"]) == 1  # P0002, printed without a traceback
    assert "P0002" in capsys.readouterr().err
    assert main(["keys", "create"]) == 2
    assert main(["keys", "create", "k", "--scope", "read"]) == 0
    assert main(["keys", "create", "k", "--scope", "read"]) == 1  # name taken: 23505
    assert "23505" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["keys", "create", "k2", "--scope", "root"])


def test_serve_has_host_and_port_options() -> None:
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9001"])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 9001)
