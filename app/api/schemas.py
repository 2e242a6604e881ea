"""Typed shapes of what the HTTP API accepts and returns, for the OpenAPI document.

Request bodies are *documented* with these types but passed to the SQL functions as they
arrive: the SQL API validates every element, names the first bad one (`items[3]`) and keeps
"left out" apart from `null` (left out keeps the stored value, `null` clears it), which a
decoder with defaults would blur. So these Structs describe; `rec.upsert_items` & co. decide.

Response types are the real ones, except that open JSON objects (`reasons`, explanations)
are returned as the SQL built them: their documented fields are the ones every answer has,
and feeds may add keys (`distance_km`, `ranks`, …) that clients can ignore.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

# --- request bodies (documentation of the SQL API's JSON arguments) ----------------------------

Lat = Annotated[float, Meta(ge=-90, le=90, description="Latitude in degrees.", examples=[52.52])]
Lon = Annotated[float, Meta(ge=-180, le=180, description="Longitude in degrees.", examples=[13.405])]
Timestamp = Annotated[str, Meta(description="ISO 8601 time with zone.", examples=["2026-05-01T12:00:00Z"])]
Id = Annotated[str, Meta(min_length=1, max_length=200, description="Your text id.")]


class Location(Struct, forbid_unknown_fields=True):
    """A point on Earth."""

    lat: Lat
    lon: Lon


class ItemIn(Struct, forbid_unknown_fields=True):
    """One item for `PUT /v1/items` (`rec.upsert_items`). Keys left out keep their stored
    values; `null` clears an optional value; `tags` and `attributes` replace the stored ones."""

    id: Annotated[str, Meta(min_length=1, max_length=200, description="Your item id.", examples=["i42"])]
    title: Annotated[str | None, Meta(description="Shown in feeds and searched (weighs more than the description).",
                                      examples=["Figma color systems"])] = None
    description: Annotated[str | None, Meta(description="Searched and embedded.",
                                            examples=["Design tokens and palettes for product teams."])] = None
    tags: Annotated[list[str] | None, Meta(description='Plain tags or typed "kind:value" tags.',
                                           examples=[["tool:figma", "category:design", "beginner"]])] = None
    creator_id: Annotated[str | None, Meta(description="The user who made it (never recommended to them).",
                                           examples=["u7"])] = None
    created_at: Annotated[str | None, Meta(description="When it was published (default: now); not shown before.",
                                           examples=["2026-05-01T12:00:00Z"])] = None
    location: Annotated[Location | None, Meta(description="Where it is (nearby feeds, distance signal).",
                                              examples=[{"lat": 52.52, "lon": 13.405}])] = None
    price: Annotated[Annotated[float, Meta(ge=0)] | None,
                     Meta(description="Price, compared with a user's price range.", examples=[15.0])] = None
    attributes: Annotated[dict[str, Any] | None, Meta(description="Free-form attributes; rules can match them.",
                                                      examples=[{"kind": "lesson", "level": 2}])] = None
    status: Annotated[Literal["active", "hidden", "archived"] | None,
                      Meta(description="Only active items are recommended.", examples=["active"])] = None
    expires_at: Annotated[str | None, Meta(description="Not recommended from then on.",
                                           examples=["2026-12-31T23:59:59Z"])] = None


class Preferences(Struct, forbid_unknown_fields=True):
    """What a user declared. Keys left out keep their stored values."""

    preferred_tags: Annotated[dict[str, float] | list[str] | None, Meta(
        description='{"tag": weight in (0, 10]} or ["tag", …] (weight 1); replaces the stored list.',
        examples=[{"tool:figma": 2, "category:design": 1}])] = None
    blocked_tags: Annotated[list[str] | None, Meta(description="Items carrying one never appear.",
                                                   examples=[["category:fitness"]])] = None
    max_distance_km: Annotated[Annotated[float, Meta(gt=0)] | None,
                               Meta(description="Items farther away are excluded.", examples=[25.0])] = None
    price_min: Annotated[Annotated[float, Meta(ge=0)] | None, Meta(examples=[0.0])] = None
    price_max: Annotated[Annotated[float, Meta(ge=0)] | None, Meta(examples=[50.0])] = None
    personalization: Annotated[bool | None, Meta(description="false: the user gets what a visitor gets.",
                                                 examples=[True])] = None


class UserIn(Struct, forbid_unknown_fields=True):
    """One user for `PUT /v1/users` (`rec.upsert_users`). Keys left out keep their stored values."""

    id: Annotated[str, Meta(min_length=1, max_length=200, description="Your user id.", examples=["u42"])]
    created_at: Annotated[str | None, Meta(examples=["2026-01-15T09:30:00Z"])] = None
    location: Annotated[Location | None, Meta(description="Home location (nearby, distance signal).",
                                              examples=[{"lat": 38.72, "lon": -9.14}])] = None
    attributes: Annotated[dict[str, Any] | None, Meta(examples=[{"plan": "pro"}])] = None
    preferences: Annotated[Preferences | None, Meta(description="Declared tastes and limits.", examples=[
        {"preferred_tags": {"tool:figma": 2}, "blocked_tags": ["category:fitness"], "max_distance_km": 25}])] = None


EventType = Annotated[str, Meta(
    description="view, click, like, save, share, apply, complete, rate (with value 1..5), dismiss, …",
    examples=["like"])]


class EventIn(Struct, forbid_unknown_fields=True):
    """One interaction for `POST /v1/events` (`rec.track`). Unknown users are created; an
    unknown item is 404 naming the element."""

    user_id: Annotated[str, Meta(min_length=1, max_length=200, examples=["u1"])]
    item_id: Annotated[str, Meta(min_length=1, max_length=200, examples=["i42"])]
    type: EventType
    event_id: Annotated[str | None, Meta(description="Your id for exactly-once delivery, unique per user: a repeat "
                                                     "of the same (user_id, event_id) is skipped.",
                                         examples=["e-2026-05-01-0001"])] = None
    value: Annotated[float | None, Meta(description="A rating (type rate) or another measure.",
                                        examples=[4.0])] = None
    at: Annotated[str | None, Meta(description="When it happened (default: now; at most a day ahead).",
                                   examples=["2026-05-01T12:00:00Z"])] = None
    context: Annotated[dict[str, Any] | None, Meta(description="Anything you want stored with it.",
                                                   examples=[{"surface": "home", "position": 3}])] = None


class FollowIn(Struct, forbid_unknown_fields=True):
    """One follow for `POST /v1/follows` (`rec.follow`) or `POST /v1/unfollows` (`rec.unfollow`)."""

    user_id: Annotated[str, Meta(min_length=1, max_length=200, examples=["member7"])]
    creator_id: Annotated[str, Meta(min_length=1, max_length=200, description="The creator_id your items carry.",
                                    examples=["member1"])]
    at: Annotated[str | None, Meta(description="When (default: now; at most a day ahead).",
                                   examples=["2026-05-01T12:00:00Z"])] = None


class VariantIn(Struct, forbid_unknown_fields=True):
    """One arm of an experiment: the feed strategy it serves to its share of users."""

    name: Annotated[str, Meta(pattern="^[a-z][a-z0-9_]{0,39}$", description="'control' is the baseline the "
                              "report compares with (else the first variant by name).", examples=["control"])]
    strategy: Annotated[str, Meta(description="A feed strategy (GET /v1/strategies).", examples=["default"])]
    share: Annotated[float, Meta(gt=0, le=1, description="Share of users; the shares of an experiment sum to 1.",
                                 examples=[0.5])]


class ExperimentIn(Struct, forbid_unknown_fields=True):
    """An A/B experiment of the feed for `PUT /v1/experiments/{name}` (`rec.upsert_experiment`).
    Keys left out keep their stored values. Once started, only `description` and `ends_at` may
    change; once ended, only `description`."""

    description: Annotated[Annotated[str, Meta(max_length=1000)] | None,
                           Meta(examples=["tuned blend against default"])] = None
    starts_at: Annotated[str | None, Meta(description="Default: now.", examples=["2026-06-01T00:00:00Z"])] = None
    ends_at: Annotated[str | None, Meta(description="null: runs until ended (POST .../end).",
                                        examples=["2026-06-15T00:00:00Z"])] = None
    variants: Annotated[Annotated[list[VariantIn], Meta(min_length=2, max_length=20)] | None, Meta(
        description="Required for a new experiment; users are split by a hash of "
                                                 "their id in variant-name order.",
        examples=[[{"name": "control", "strategy": "default", "share": 0.5},
                   {"name": "explore", "strategy": "explore", "share": 0.5}]])] = None


def inline_schema(struct: type) -> dict[str, Any]:
    """The JSON Schema of `struct` with every reference inlined.

    Litestar builds its components from handler annotations only, so a body that is documented
    but not decoded by a type carries its schema inline (`Body(schema_extra=...)`)."""
    (ref,), components = msgspec.json.schema_components([struct], ref_template="{name}")

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"$ref"}:
                return resolve(components[node["$ref"]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(ref)


def array_body(struct: type, example: list[dict[str, Any]]) -> dict[str, Any]:
    """`schema_extra` for a JSON array body of `struct` elements (at most 10,000)."""
    return {"items": inline_schema(struct), "max_items": 10_000, "examples": [example]}


def object_body(struct: type, example: dict[str, Any]) -> dict[str, Any]:
    """`schema_extra` for a JSON object body shaped like `struct`."""
    schema = inline_schema(struct)
    return {"properties": schema["properties"], "additional_properties": False, "examples": [example],
            "description": schema.get("description")}


# --- responses ----------------------------------------------------------------------------------

class Reasons(Struct):
    """Why an item is where it is. Some lists add keys: `distance_km` (nearby), `ranks`
    (search), `tie_break` (latest), `experiment` and `variant` (a feed served for an experiment)."""

    terms: Annotated[dict[str, float], Meta(
        description="Weighted score of each signal; they add up to `score` (negative: penalties such as diversity).",
        examples=[{"collaborative": 0.35, "explicit": 0.14, "engagement": 0.05, "diversity": -0.02}])]
    reasons: Annotated[list[str], Meta(description="Human-readable reasons, strongest first.",
                                       examples=[["because you liked Figma color systems", "popular in design"]])]
