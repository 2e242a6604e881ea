"""Privacy endpoints: erase a user, export everything about a user. Scope ``write`` — personal
data is never served to a read-only (or public) key."""

from __future__ import annotations

import json
from typing import Annotated, Any, Iterator

from litestar import Request, delete, get
from litestar.openapi.spec import Example
from litestar.params import Parameter
from litestar.response import Stream
from msgspec import Meta, Struct

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, USER_ID, rows, value

WRITE = [requires("write")]


@delete("/users/{user_id:str}", guards=WRITE, sync_to_thread=True, status_code=200, summary="Erase a user",
        responses=ERRORS)
def forget_user(request: Request, user_id: USER_ID,
                items: Annotated[str | None, Parameter(
                    description="What happens to the items the user created: anonymize (default), delete or keep.",
                    examples=[Example(value="anonymize")])] = None) -> dict[str, Any]:
    """rec.forget_user: erases the user's events, preferences, vector and the user; returns the
    rows erased per table. Derived aggregates stop counting the user after the next refresh."""
    return value(request, q.FORGET_USER, {"user_id": user_id, "items": items})


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


class ExportedEvent(Struct):
    cursor: Annotated[int, Meta(description="Pass the last one as `after` for the next page.", examples=[455])]
    event: Annotated[dict[str, Any], Meta(examples=[{"event_id": "e1", "user_id": "u1", "item_id": "i306",
                                                     "type": "view", "at": "2026-08-05T10:41:17+00:00"}])]


class ExportedEvents(Struct):
    events: list[ExportedEvent]


@get("/users/{user_id:str}/export/events", guards=WRITE, sync_to_thread=True, summary="A page of a user's events",
     responses=ERRORS)
def export_user_events(request: Request, user_id: USER_ID,
                       after: Annotated[int | None, Parameter(description="Cursor of the last event already read "
                                                              "(default 0: from the start).",
                                                              examples=[Example(value=0)])] = None,
                       n: Annotated[int | None, Parameter(description="Events per page (default 1000).",
                                                          examples=[Example(value=1000)])] = None) -> ExportedEvents:
    """rec.export_user_events: the user's events oldest first, one page at a time (the whole
    export is GET .../export)."""
    return ExportedEvents([ExportedEvent(r["cursor"], r["event"]) for r in
                           rows(request, q.EXPORT_USER_EVENTS, {"user_id": user_id, "after": after, "n": n})])


ROUTES = [forget_user, export_user, export_user_events]
