"""Write endpoints: items, users, events, preferences, onboarding answers. Scope ``write``.

Bodies are passed to the SQL functions as they arrive (JSON arrays of objects): the SQL
validates each element, names the first bad one, and stores nothing of a bad batch. Batches
are capped at 10,000 elements by the SQL API (422 beyond) and bodies by
``PGREC_API_MAX_BODY_BYTES`` (413 beyond).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, patch, post, put
from litestar.params import FromPath, JSONBody
from msgspec import Struct
from psycopg.types.json import Jsonb

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, value

WRITE = [requires("write")]


class Written(Struct):
    """How many rows the call created or updated."""

    written: int


class Tracked(Struct):
    """``new``: events stored by this call; repeats of an earlier event_id are not counted."""

    new: int
    received: int


@put("/items", guards=WRITE, sync_to_thread=True, summary="Create or update items", responses=ERRORS)
def upsert_items(request: Request, data: JSONBody[list[dict[str, Any]]]) -> Written:
    """rec.upsert_items: array of {id, title, description, tags, creator_id, created_at, location,
    price, attributes, status, expires_at}; keys left out keep their stored values."""
    return Written(value(request, q.UPSERT_ITEMS, {"items": Jsonb(data)}))


@put("/users", guards=WRITE, sync_to_thread=True, summary="Create or update users", responses=ERRORS)
def upsert_users(request: Request, data: JSONBody[list[dict[str, Any]]]) -> Written:
    """rec.upsert_users: array of {id, created_at, location, attributes, preferences}."""
    return Written(value(request, q.UPSERT_USERS, {"users": Jsonb(data)}))


@post("/events", guards=WRITE, sync_to_thread=True, status_code=200, summary="Record events", responses=ERRORS)
def track(request: Request, data: JSONBody[list[dict[str, Any]]]) -> Tracked:
    """rec.track: array of {event_id?, user_id, item_id, type, value?, at?, context?}."""
    return Tracked(value(request, q.TRACK, {"events": Jsonb(data)}), len(data))


@patch("/users/{user_id:str}/preferences", guards=WRITE, sync_to_thread=True, summary="Change preferences",
       responses=ERRORS)
def update_preferences(request: Request, user_id: FromPath[str],
                       data: JSONBody[dict[str, Any]]) -> Written:
    """rec.upsert_users for one user's preferences: {preferred_tags, blocked_tags, max_distance_km,
    price_min, price_max, personalization}; keys left out keep their stored values."""
    return Written(value(request, q.UPSERT_USERS, {"users": Jsonb([{"id": user_id, "preferences": data}])}))


class OnboardingResult(Struct):
    preferences_written: int


@post("/users/{user_id:str}/onboarding", guards=WRITE, sync_to_thread=True, status_code=200,
      summary="Submit onboarding answers", responses=ERRORS)
def submit_onboarding(request: Request, user_id: FromPath[str],
                      data: JSONBody[dict[str, Any]]) -> OnboardingResult:
    """rec.submit_onboarding: answers {question_id: option or [options]} become tag preferences."""
    return OnboardingResult(value(request, q.SUBMIT_ONBOARDING, {"user_id": user_id, "answers": Jsonb(data)}))


ROUTES = [upsert_items, upsert_users, track, update_preferences, submit_onboarding]
