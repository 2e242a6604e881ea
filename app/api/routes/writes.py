"""Write endpoints: items, users, events, preferences, onboarding answers, follows. Scope ``write``.

Bodies are passed to the SQL functions as they arrive (JSON arrays of objects): the SQL
validates each element, names the first bad one, and stores nothing of a bad batch. Batches
are capped at 10,000 elements by the SQL API (422 beyond) and bodies by
``PGREC_API_MAX_BODY_BYTES`` (413 beyond).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, delete, patch, post, put
from litestar.params import Body, Parameter
from msgspec import Meta, Struct
from psycopg.types.json import Jsonb

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, USER_ID, example, value
from app.api.schemas import EventIn, FollowIn, ItemIn, Preferences, UserIn, array_body, object_body

WRITE = [requires("write")]

# The bodies are documented by the Structs in app/api/schemas.py and validated by the SQL
# function they go to (which names the bad element and stores nothing of a bad batch).
ItemsBody = Annotated[list[dict[str, Any]], Body(
    description="Items to create or update (at most 10,000).",
    schema_extra=array_body(ItemIn, [{"id": "i42", "title": "Figma color systems",
                                      "tags": ["tool:figma", "category:design"],
                                      "location": {"lat": 52.52, "lon": 13.405}, "price": 15}]))]
UsersBody = Annotated[list[dict[str, Any]], Body(
    description="Users to create or update (at most 10,000).",
    schema_extra=array_body(UserIn, [{"id": "u42", "location": {"lat": 38.72, "lon": -9.14},
                                      "preferences": {"preferred_tags": {"tool:figma": 2},
                                                      "blocked_tags": ["category:fitness"]}}]))]
EventsBody = Annotated[list[dict[str, Any]], Body(
    description="Interactions to record (at most 10,000).",
    schema_extra=array_body(EventIn, [{"event_id": "e-0001", "user_id": "u1", "item_id": "i42", "type": "like"},
                                      {"user_id": "u1", "item_id": "i7", "type": "rate", "value": 4}]))]
PreferencesBody = Annotated[dict[str, Any], Body(
    description="The preferences to change; keys left out keep their stored values.",
    schema_extra=object_body(Preferences, {"preferred_tags": {"tool:sql": 3}, "max_distance_km": 25}))]
FollowsBody = Annotated[list[dict[str, Any]], Body(
    description="Follows to start (POST /v1/follows) or end (POST /v1/unfollows), at most 10,000.",
    schema_extra=array_body(FollowIn, [{"user_id": "member7", "creator_id": "member1"}]))]
AnswersBody = Annotated[dict[str, Any], Body(
    description="question_id → option id, or a list of them for multiple-choice questions "
                "(see GET /v1/onboarding/questions).",
    schema_extra={"examples": [{"interests": ["cooking", "design"], "level": "beginner"}]})]


class Written(Struct):
    """How many rows the call created or updated."""

    written: Annotated[int, Meta(examples=[2])]


class Tracked(Struct):
    """``new``: events stored by this call; repeats of an earlier (user_id, event_id) are not counted."""

    new: Annotated[int, Meta(description="Events stored by this call.", examples=[1])]
    received: Annotated[int, Meta(description="Events in the request.", examples=[2])]


@put("/items", guards=WRITE, sync_to_thread=True, summary="Create or update items", responses=ERRORS)
def upsert_items(request: Request, data: ItemsBody) -> Written:
    """rec.upsert_items: array of {id, title, description, tags, creator_id, created_at, location,
    price, attributes, status, expires_at}; keys left out keep their stored values."""
    return Written(value(request, q.UPSERT_ITEMS, {"items": Jsonb(data)}))


@put("/users", guards=WRITE, sync_to_thread=True, summary="Create or update users", responses=ERRORS)
def upsert_users(request: Request, data: UsersBody) -> Written:
    """rec.upsert_users: array of {id, created_at, location, attributes, preferences}."""
    return Written(value(request, q.UPSERT_USERS, {"users": Jsonb(data)}))


@post("/events", guards=WRITE, sync_to_thread=True, status_code=200, summary="Record events", responses=ERRORS)
def track(request: Request, data: EventsBody) -> Tracked:
    """rec.track: array of {event_id?, user_id, item_id, type, value?, at?, context?}."""
    return Tracked(value(request, q.TRACK, {"events": Jsonb(data)}), len(data))


@patch("/users/{user_id:str}/preferences", guards=WRITE, sync_to_thread=True, summary="Change preferences",
       responses=ERRORS)
def update_preferences(request: Request, user_id: USER_ID,
                       data: PreferencesBody) -> Written:
    """rec.upsert_users for one user's preferences: {preferred_tags, blocked_tags, max_distance_km,
    price_min, price_max, personalization}; keys left out keep their stored values."""
    return Written(value(request, q.UPSERT_USERS, {"users": Jsonb([{"id": user_id, "preferences": data}])}))


class OnboardingResult(Struct):
    preferences_written: Annotated[int, Meta(description="Tag preferences the answers declared.", examples=[3])]


@post("/users/{user_id:str}/onboarding", guards=WRITE, sync_to_thread=True, status_code=200,
      summary="Submit onboarding answers", responses=ERRORS)
def submit_onboarding(request: Request, user_id: USER_ID,
                      data: AnswersBody) -> OnboardingResult:
    """rec.submit_onboarding: answers {question_id: option or [options]} become tag preferences."""
    return OnboardingResult(value(request, q.SUBMIT_ONBOARDING, {"user_id": user_id, "answers": Jsonb(data)}))


class FollowsStarted(Struct):
    started: Annotated[int, Meta(description="Follows that began (following again changes nothing).", examples=[1])]


class FollowsEnded(Struct):
    ended: Annotated[int, Meta(description="Follows that ended (not followed: nothing to end).", examples=[1])]


CREATOR_ID = Annotated[str, Parameter(description="The creator_id your items carry.", examples=example("member1"))]


@post("/follows", guards=WRITE, sync_to_thread=True, status_code=200, summary="Follow creators", responses=ERRORS)
def follow(request: Request, data: FollowsBody) -> FollowsStarted:
    """rec.follow: array of {user_id, creator_id, at?}; the creators' newest items reach the
    users' lists."""
    return FollowsStarted(value(request, q.FOLLOW, {"follows": Jsonb(data)}))


@post("/unfollows", guards=WRITE, sync_to_thread=True, status_code=200, summary="Stop following creators",
      responses=ERRORS)
def unfollow(request: Request, data: FollowsBody) -> FollowsEnded:
    """rec.unfollow: array of {user_id, creator_id, at?}."""
    return FollowsEnded(value(request, q.UNFOLLOW, {"follows": Jsonb(data)}))


@put("/users/{user_id:str}/follows/{creator_id:str}", guards=WRITE, sync_to_thread=True, summary="Follow a creator",
     responses=ERRORS)
def follow_one(request: Request, user_id: USER_ID, creator_id: CREATOR_ID) -> FollowsStarted:
    """rec.follow for one user and creator, now (a follow button)."""
    return FollowsStarted(value(request, q.FOLLOW, {"follows": Jsonb([{"user_id": user_id, "creator_id": creator_id}])},
                                ("user_id", "creator_id")))


@delete("/users/{user_id:str}/follows/{creator_id:str}", guards=WRITE, sync_to_thread=True, status_code=200,
        summary="Stop following a creator", responses=ERRORS)
def unfollow_one(request: Request, user_id: USER_ID, creator_id: CREATOR_ID) -> FollowsEnded:
    """rec.unfollow for one user and creator, now."""
    return FollowsEnded(value(request, q.UNFOLLOW, {"follows": Jsonb([{"user_id": user_id, "creator_id": creator_id}])},
                              ("user_id", "creator_id")))


ROUTES = [upsert_items, upsert_users, track, update_preferences, submit_onboarding, follow, unfollow, follow_one,
          unfollow_one]
