"""Every refresh step in the database has a scheduled job, so none silently goes stale."""

from __future__ import annotations

from app.db import connect
from scheduler.jobs import DEFAULT_SCHEDULE


def test_every_refresh_step_is_scheduled(template_url: str) -> None:
    with connect(template_url) as conn:
        steps = {r[0] for r in conn.execute("SELECT step FROM pgrec.refresh_steps").fetchall()}
    assert steps, "no refresh steps installed"
    assert steps - set(DEFAULT_SCHEDULE) == set(), "refresh steps without a scheduler job"
    assert set(DEFAULT_SCHEDULE) - steps == {"embed"}, "scheduler jobs for steps that do not exist"
