"""Privacy endpoints: erase a user, export everything about a user. Scope ``write`` — personal
data is never served to a read-only (or public) key."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, get

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


@get("/users/{user_id:str}/export", guards=WRITE, sync_to_thread=True, summary="Export a user's data", responses=ERRORS)
def export_user(request: Request, user_id: USER_ID) -> dict[str, Any]:
    """rec.export_user: the user's profile and preferences, events and other stored rows."""
    return value(request, q.EXPORT_USER, {"user_id": user_id})


ROUTES = [forget_user, export_user]
