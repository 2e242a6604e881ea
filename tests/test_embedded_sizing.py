"""The embedded server is sized to the memory it may use, and every setting can be overridden."""

from __future__ import annotations

import psycopg
import pytest

from app.db import embedded_settings, start_embedded, stop_embedded
from app.settings import Settings


def sized(memory: str | None, overrides: str = "") -> dict[str, str]:
    env = {"PGREC_EMBEDDED_SETTINGS": overrides}
    if memory is not None:
        env["PGREC_EMBEDDED_MEMORY"] = memory
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PGREC_EMBEDDED_MEMORY", raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        return embedded_settings(Settings())


def test_settings_follow_the_memory_budget_within_bounds() -> None:
    assert sized("8GB") == {"shared_buffers": "2048MB", "effective_cache_size": "6144MB", "work_mem": "5MB",
                            "maintenance_work_mem": "512MB"}
    # A small budget keeps PostgreSQL's floors; a huge one its ceilings.
    assert sized("256MB") == {"shared_buffers": "128MB", "effective_cache_size": "512MB", "work_mem": "4MB",
                              "maintenance_work_mem": "64MB"}
    huge = sized("1TB")
    assert (huge["shared_buffers"], huge["work_mem"], huge["maintenance_work_mem"]) == ("16384MB", "64MB", "2048MB")
    # Unset: half of what the machine (or cgroup) allows, so at least the floors.
    assert set(sized(None)) == {"shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem"}


def test_overrides_win_and_zero_leaves_the_servers_defaults() -> None:
    assert sized("8GB", "work_mem=32MB, random_page_cost=1.1")["work_mem"] == "32MB"
    assert sized("8GB", "random_page_cost=1.1")["random_page_cost"] == "1.1"
    assert sized("0") == {} and sized("0", "work_mem=16MB") == {"work_mem": "16MB"}
    for bad_memory in ("lots", "-1GB", "4 parsecs"):
        with pytest.raises(ValueError, match="PGREC_EMBEDDED_MEMORY"):
            sized(bad_memory)
    with pytest.raises(ValueError, match="PGREC_EMBEDDED_SETTINGS"):
        sized("1GB", "work_mem")


def test_a_started_server_runs_with_the_sized_settings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.settings import get_settings

    monkeypatch.setenv("PGREC_EMBEDDED_MEMORY", "1GB")
    monkeypatch.setenv("PGREC_EMBEDDED_SETTINGS", "work_mem=7MB")
    get_settings.cache_clear()
    data_dir = tmp_path / "pgdata"
    try:
        url = start_embedded(data_dir)
        with psycopg.connect(url) as conn:
            shown = dict(conn.execute("SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                                      "('shared_buffers', 'work_mem', 'maintenance_work_mem')").fetchall())
        # shared_buffers needs a restart, which start_embedded did; the override is in force.
        assert shown == {"shared_buffers": "256MB", "work_mem": "7MB", "maintenance_work_mem": "64MB"}
        # Stored with the server: a later start keeps them without another restart.
        stop_embedded(data_dir)
        url = start_embedded(data_dir)
        with psycopg.connect(url) as conn:
            assert conn.execute("SHOW shared_buffers").fetchone()[0] == "256MB"
    finally:
        stop_embedded(data_dir)
        get_settings.cache_clear()
