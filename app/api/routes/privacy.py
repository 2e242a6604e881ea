"""Privacy endpoints: erase a user, export everything about a user. Scope ``write`` — personal
data is never served to a read-only (or public) key."""

from __future__ import annotations

import json
from typing import Any, Iterator

from litestar import Request, delete, get
from litestar.response import Stream

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, USER_ID, value

WRITE = [requires("write")]


@delete("/users/{user_id:str}", guards=WRITE, sync_to_thread=True, status_code=200, summary="Erase a user",
        responses=ERRORS)
def forget_user(request: Request, user_id: USER_ID) -> dict[str, Any]:
    """rec.forget_user: erases the user's events, preferences, vector and the user; returns the
    rows erased per table. Derived aggregates stop counting the user after the next refresh."""
    return value(request, q.FORGET_USER, {"user_id": user_id})


@get("/users/{user_id:str}/export", guards=WRITE, sync_to_thread=True, summary="Export a user's data", responses=ERRORS,
     media_type="application/json")
def export_user(request: Request, user_id: USER_ID) -> Stream:
    """rec.export_user and rec.export_user_events: the user's profile and preferences, other
    stored rows, and every event, streamed page by page so a heavy user's export never has to fit
    in memory: {"user": ..., "events_count", "other", ..., "events": [...]}."""
    document = value(request, q.EXPORT_USER, {"user_id": user_id})  # 404 before anything is sent
    database = request.app.state.database

    def body() -> Iterator[str]:
        yield json.dumps(document)[:-1] + ', "events": ['
        after, separator = 0, ""
        while rows := database.rows(q.EXPORT_USER_EVENTS, {"user_id": user_id, "after": after, "n": 1000}):
            for row in rows:
                yield separator + json.dumps(row["event"])
                separator = ", "
            after = rows[-1]["cursor"]
        yield "]}"

    return Stream(body(), media_type="application/json")


ROUTES = [forget_user, export_user]
