"""Profiles, re-ranking a caller's list, recommendation types and consent.

Ranking a caller's list and the recommendation types are reads (scope ``read``); a profile, its
history and consents are personal data, served like the export (scope ``write``), and recording
consent is a write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get, post, put
from litestar.params import Body, JSONBody, Parameter
from msgspec import Meta, Struct
from psycopg.types.json import Jsonb

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, USER_ID, example, jsonb, rows, value
from app.api.schemas import Reasons
from app.api.routes.writes import Written

READ = [requires("read")]
WRITE = [requires("write")]


class RankRequest(Struct):
    """The caller's candidates (its own search hits, a category page), at most 1,000 ids."""

    item_ids: Annotated[list[str], Meta(examples=[["i722", "i1133", "i9"]])]
    strategy: Annotated[str | None, Meta(description="A feed strategy (default 'rank': the default blend, "
                                                     "nothing re-ordered for diversity).", examples=["rank"])] = None
    filter: Annotated[dict[str, Any] | None, Meta(description="Content filter (as on every list).",
                                                  examples=[{"attributes": {"level": {"lte": 3}}}])] = None


class RankedOrNot(Struct):
    """A given item: ranked (a score), or not listable (score null, reasons.excluded says why;
    reasons.unknown true for an id that names no item)."""

    item_id: Annotated[str, Meta(examples=["i722"])]
    score: Annotated[float | None, Meta(examples=[0.63])]
    reasons: Reasons


class RankedItems(Struct):
    items: list[RankedOrNot]


@post("/users/{user_id:str}/rank", guards=READ, sync_to_thread=True, status_code=200,
      summary="Order a caller's list for a user", responses=ERRORS)
def rank(request: Request, user_id: USER_ID, data: JSONBody[RankRequest]) -> RankedItems:
    """rec.rank: the given items ranked for the user, best first, with reasons; then, with score
    null and reasons.excluded, the items that may not be listed and the ids that name no item
    (reasons.unknown true). Unknown ids are reported, not an error."""
    return RankedItems([RankedOrNot(r["item_id"], r["score"], r["reasons"]) for r in rows(
        request, q.RANK, {"user_id": user_id, "item_ids": data.item_ids, "strategy": data.strategy,
                          "filter": jsonb(data.filter)})])


class RecommendationType(Struct):
    type: Annotated[str, Meta(examples=["content-based"])]
    strategy: Annotated[str, Meta(description="The feed strategy the type selects.", examples=["content_based"])]
    description: Annotated[str | None, Meta(examples=["like what the learner engaged with and declared"])]


class RecommendationTypes(Struct):
    types: list[RecommendationType]


@get("/recommendation-types", guards=READ, sync_to_thread=True, summary="Recommendation types", responses=ERRORS)
def recommendation_types(request: Request) -> RecommendationTypes:
    """rec.recommendation_types: what `type` on the feed selects (rows of pgrec.recommendation_types)."""
    return RecommendationTypes([RecommendationType(**r) for r in rows(request, q.RECOMMENDATION_TYPES, {})])


@get("/users/{user_id:str}/profile", guards=WRITE, sync_to_thread=True, summary="A user's profile", responses=ERRORS)
def profile(request: Request, user_id: USER_ID) -> dict[str, Any]:
    """rec.profile: interests with confidence and source (declared, onboarding, behaviour),
    aversions, preferences, consents, learner fields, counts and the profile version (an unknown
    user: known false, version 0)."""
    return value(request, q.PROFILE, {"user_id": user_id})


class ProfileVersion(Struct):
    version: Annotated[int, Meta(examples=[7])]
    changed_at: Annotated[datetime, Meta(examples=["2026-12-01T18:40:00Z"])]
    cause: Annotated[str, Meta(description="What changed it: events, preferences, onboarding, consent, rebuild.",
                               examples=["events"])]
    changes: Annotated[dict[str, Any], Meta(examples=[{"interests": {"category:baking": {"from": 0.2, "to": 0.35}}}])]


class ProfileHistory(Struct):
    versions: list[ProfileVersion]


@get("/users/{user_id:str}/profile/history", guards=WRITE, sync_to_thread=True, summary="A profile's versions",
     responses=ERRORS)
def profile_history(request: Request, user_id: USER_ID,
                    n: Annotated[int | None, Parameter(description="How many versions, 1..500 (default 50).",
                                                       examples=example(10))] = None,
                    before: Annotated[int | None, Parameter(description="Only versions before this one (paging).",
                                                            examples=example(20))] = None) -> ProfileHistory:
    """rec.profile_history: the profile's versions newest first, each with what changed and why."""
    return ProfileHistory([ProfileVersion(**r) for r in
                           rows(request, q.PROFILE_HISTORY, {"user_id": user_id, "n": n, "before": before})])


class Consent(Struct):
    purpose: Annotated[str, Meta(examples=["analytics"])]
    granted: Annotated[bool, Meta(examples=[True])]
    answered: Annotated[bool, Meta(description="false: the purpose's default applies.", examples=[False])]
    updated_at: Annotated[datetime | None, Meta(examples=[None])]
    description: Annotated[str | None, Meta(examples=["count the user in aggregate analytics"])]


class Consents(Struct):
    consents: list[Consent]


@get("/users/{user_id:str}/consents", guards=WRITE, sync_to_thread=True, summary="A user's consents",
     responses=ERRORS)
def consents(request: Request, user_id: USER_ID) -> Consents:
    """rec.consents: the user's answer per purpose, else the purpose's default."""
    return Consents([Consent(**r) for r in rows(request, q.CONSENTS, {"user_id": user_id})])


ConsentsBody = Annotated[list[dict[str, Any]], Body(
    description="Consent answers {user_id, purpose, granted, at?} (at most 10,000); purposes: personalization, "
                "analytics. An older answer than the stored one is ignored.",
    schema_extra={"examples": [[{"user_id": "u1", "purpose": "analytics", "granted": False}]]})]


@put("/consents", guards=WRITE, sync_to_thread=True, summary="Record consent answers", responses=ERRORS)
def upsert_consents(request: Request, data: ConsentsBody) -> Written:
    """rec.upsert_consents: each answer changes the user's consent (and is written to the audit
    log); `written` counts the answers that changed something."""
    return Written(value(request, q.UPSERT_CONSENTS, {"consents": Jsonb(data)}))


ROUTES = [rank, recommendation_types, profile, profile_history, consents, upsert_consents]
