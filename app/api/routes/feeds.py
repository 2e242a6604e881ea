"""Read endpoints: feeds, lists, search, explanations, status. Scope ``read``."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import JSONBody, Parameter, QueryParameter
from msgspec import Meta, Struct

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, ITEM_ID, USER_ID, RankedList, example, ranked, rows, value

log = logging.getLogger("pgrec.api")
READ = [requires("read")]



N = Annotated[int | None, Parameter(description="How many items, 1..500 (default 20; next: 10).", examples=example(10))]
OFFSET = Annotated[int | None, Parameter(description="Items to skip, 0..10000 (default 0).", examples=example(0))]
USER = Annotated[str | None, Parameter(description="Personalise for this user (optional).", examples=example("u1"))]
TAGS = Annotated[list[str] | None, Parameter(description="Only items with any of these tags (repeat the parameter).",
                                             examples=example(["category:design"]))]
STRATEGY = Annotated[str | None, Parameter(description="Strategy name (default 'default'; see GET /v1/strategies).",
                                           examples=example("explore"))]


@get("/users/{user_id:str}/feed", guards=READ, sync_to_thread=True, summary="Personalised feed", responses=ERRORS)
def user_feed(request: Request, user_id: USER_ID, n: N = None, offset: OFFSET = None, strategy: STRATEGY = None,
              weights: Annotated[str | None, Parameter(
                  description='JSON object replacing the strategy\'s signal weights for this call.',
                  examples=example('{"collaborative": 0.5, "recency": 0.3, "popularity": 0.2}'))] = None
              ) -> RankedList:
    """rec.feed: the user's "For You" list with the score terms and reasons of every item."""
    return ranked(rows(request, q.FEED, {"user_id": user_id, "n": n, "offset": offset,
                                         "strategy": strategy, "weights": weights}))


@get("/trending", guards=READ, sync_to_thread=True, summary="Trending items", responses=ERRORS)
def trending(request: Request, n: N = None, offset: OFFSET = None,
             window: Annotated[str | None, Parameter(description="Time window, 1 hour..30 days (default '24 hours').",
                                                     examples=example("24 hours"))] = None,
             user_id: USER = None, tags: TAGS = None) -> RankedList:
    """rec.trending: engagement velocity in the window against the previous one."""
    return ranked(rows(request, q.TRENDING, {"n": n, "offset": offset, "window": window,
                                             "user_id": user_id, "tags": tags}))


@get("/latest", guards=READ, sync_to_thread=True, summary="Newest items", responses=ERRORS)
def latest(request: Request, n: N = None, offset: OFFSET = None, tags: TAGS = None) -> RankedList:
    """rec.latest: newest first, popularity as tie-break."""
    return ranked(rows(request, q.LATEST, {"n": n, "offset": offset, "tags": tags}))


@get("/items/{item_id:str}/similar", guards=READ, sync_to_thread=True, summary="Similar items", responses=ERRORS)
def similar(request: Request, item_id: ITEM_ID, n: N = None, user_id: USER = None) -> RankedList:
    """rec.similar_items: embedding, collaborative and tag similarity to one item."""
    return ranked(rows(request, q.SIMILAR, {"item_id": item_id, "n": n, "user_id": user_id}))


@get("/nearby", guards=READ, sync_to_thread=True, summary="Items near a point", responses=ERRORS)
def nearby(request: Request, lat: Annotated[float, Parameter(description="Latitude, -90..90.", examples=example(52.52))],
           lon: Annotated[float, Parameter(description="Longitude, -180..180.", examples=example(13.405))],
           radius_km: Annotated[float | None, Parameter(description="Radius in km, up to 500 (default 10).",
                                                        examples=example(10))] = None,
           n: N = None, user_id: USER = None) -> RankedList:
    """rec.nearby: items inside the radius, distance decay blended with engagement."""
    return ranked(rows(request, q.NEARBY, {"lat": lat, "lon": lon, "radius_km": radius_km,
                                           "n": n, "user_id": user_id}))


@get("/search", guards=READ, sync_to_thread=True, summary="Hybrid search", responses=ERRORS)
def search(request: Request, text: Annotated[str, QueryParameter(name="q", description="Search words.",
                                                                  examples=example("dumbbell"))],
           n: N = None, user_id: USER = None) -> RankedList:
    """rec.search: full-text search fused with vector search when the query can be embedded."""
    return ranked(rows(request, q.SEARCH, {"query": text, "n": n, "user_id": user_id,
                                           "query_embedding": embed_query(request, text)}))


def embed_query(request: Request, text: str) -> Any:
    """The query's embedding from the embeddings provider, or None for keyword only."""
    state = request.app.state
    if not state.settings.api_embed_queries or not text.strip():
        return None
    provider = state.get("embedder", False)
    if provider is False:
        provider = None
        try:
            from app.embeddings import get_provider

            # The database's dimension, not the setting: the column was fixed at install time.
            dim = state.database.value(q.INSTALLATION, {}).get("embedding_dim")
            provider = get_provider(state.settings, dim=dim)
        except ImportError:
            log.info("no embeddings provider installed: search is keyword only")
        except Exception:
            log.warning("embeddings provider unavailable: search is keyword only", exc_info=True)
        state.embedder = provider
    if provider is None:
        return None
    try:
        import numpy as np

        return np.asarray(provider.embed([text])[0], dtype=np.float32)
    except Exception:  # a provider outage degrades search to keywords instead of failing it
        log.warning("query embedding failed: keyword search only", exc_info=True)
        return None


@get("/users/{user_id:str}/next", guards=READ, sync_to_thread=True, summary="Next steps", responses=ERRORS)
def next_items(request: Request, user_id: USER_ID, n: N = None) -> RankedList:
    """rec.next_items: what users went on to after the items this user engaged with last."""
    return ranked(rows(request, q.NEXT_ITEMS, {"user_id": user_id, "n": n}))


class SessionRequest(Struct):
    """Items the anonymous visitor viewed in this session, most recent last."""

    item_ids: Annotated[list[str], Meta(examples=[["i722", "i1133"]])]
    n: Annotated[int | None, Meta(description="How many items, 1..500 (default 20).", examples=[10])] = None


@post("/sessions/feed", guards=READ, sync_to_thread=True, status_code=200, summary="Feed for a session",
      responses=ERRORS)
def session_feed(request: Request, data: JSONBody[SessionRequest]) -> RankedList:
    """rec.session_feed: recommendations for a visitor without an account."""
    return ranked(rows(request, q.SESSION_FEED, {"item_ids": data.item_ids, "n": data.n}))


class LearningPathRequest(Struct):
    """The items to put in order (a course, a reading list)."""

    item_ids: Annotated[list[str], Meta(examples=[["i12", "i10", "i11"]])]


class PathStep(Struct):
    step: Annotated[int, Meta(description="Position in the path, from 1.", examples=[1])]
    item_id: Annotated[str, Meta(examples=["i10"])]
    score: Annotated[float, Meta(examples=[0.8])]
    reasons: Annotated[dict[str, Any], Meta(description="Why this step comes here (prerequisites, progress).",
                                            examples=[{"reasons": ["comes before i11"]}])]


class LearningPath(Struct):
    steps: list[PathStep]


@post("/users/{user_id:str}/learning-path", guards=READ, sync_to_thread=True, status_code=200,
      summary="Order items into a learning path", responses=ERRORS)
def learning_path(request: Request, user_id: USER_ID,
                  data: JSONBody[LearningPathRequest]) -> LearningPath:
    """rec.learning_path: the items in an order that respects prerequisites and the user's progress."""
    result = rows(request, q.LEARNING_PATH, {"user_id": user_id, "item_ids": data.item_ids})
    return LearningPath([PathStep(r["step"], r["item_id"], r["score"], r["reasons"]) for r in result])


class Explanation(Struct):
    """rec.explain's breakdown (returned as the SQL built it; see the README's feed section)."""

    user_id: Annotated[str, Meta(examples=["u1"])]
    item_id: Annotated[str, Meta(examples=["i722"])]
    strategy: Annotated[str, Meta(examples=["default"])]
    weights_from: Annotated[str, Meta(description="Which weights applied: the strategy, cold_start, or the call's.",
                                      examples=["default"])]
    personalized: Annotated[bool, Meta(examples=[True])]
    cold_start: Annotated[bool, Meta(description="Too little data: the cold_start blend was used.", examples=[False])]
    eligible: Annotated[bool, Meta(description="false: the feed never shows it; see excluded_because.", examples=[True])]
    excluded_because: Annotated[str | None, Meta(description="Why not, e.g. already liked, blocked tag, hidden.",
                                                 examples=["already interacted"])]
    candidate: Annotated[bool, Meta(description="Whether a candidate source proposes it at all.", examples=[True])]
    rank: Annotated[int | None, Meta(description="Its position in the first 500 of the feed, or null.",
                                     examples=[4])]
    weights: Annotated[dict[str, float], Meta(examples=[{"collaborative": 0.48, "explicit": 0.17}])]
    signals: Annotated[dict[str, float | None], Meta(description="Every signal's 0..1 value, weighted or not.",
                                                     examples=[{"collaborative": 0.74, "explicit": 0.84}])]
    terms: Annotated[dict[str, float], Meta(description="weight × signal; they add up to score.",
                                            examples=[{"collaborative": 0.355, "explicit": 0.144}])]
    rules: Annotated[list[str] | None, Meta(description="Business rules that matched.", examples=[["summer"]])]
    score: Annotated[float, Meta(examples=[0.627])]
    reasons: Annotated[list[str], Meta(examples=[["because you liked Explosive dumbbell for sale"]])]
    details: Annotated[dict[str, Any], Meta(description="because_you_liked, matching_interest, distance_km, age_days, …",
                                            examples=[{"because_you_liked": "i1205", "age_days": 42.5}])]


@get("/users/{user_id:str}/items/{item_id:str}/explain", guards=READ, sync_to_thread=True,
     summary="Why an item ranks where it does", responses=ERRORS)
def explain(request: Request, user_id: USER_ID, item_id: ITEM_ID, strategy: STRATEGY = None) -> Explanation:
    """rec.explain: the full score breakdown of one item for one user, even outside the feed."""
    # Passed through as the SQL built it (keys added there reach clients without a change here).
    return value(request, q.EXPLAIN, {"user_id": user_id, "item_id": item_id, "strategy": strategy})


class UserStatus(Struct):
    """rec.status: what pgrec knows about a user and whether that is enough to personalise."""

    user_id: Annotated[str, Meta(examples=["u1"])]
    known: Annotated[bool, Meta(description="false for a visitor pgrec has never seen.", examples=[True])]
    counts: Annotated[dict[str, int], Meta(examples=[{"events": 42, "positive_events": 9, "preferred_tags": 3}])]
    thresholds: Annotated[dict[str, int], Meta(examples=[{"events": 10, "positive_events": 5, "preferred_tags": 3}])]
    enough_data: Annotated[bool, Meta(description="Enough events or declared tags to personalise.", examples=[True])]
    personalized: Annotated[bool, Meta(description="Whether rec.feed personalises for this user now.", examples=[True])]
    needs_onboarding: Annotated[bool, Meta(examples=[False])]
    has_vector: Annotated[bool, Meta(description="A taste vector exists (the vector signal can apply).", examples=[True])]
    has_location: Annotated[bool, Meta(examples=[False])]
    default_blend: Annotated[str, Meta(description="What rec.feed serves without a strategy argument.",
                                       examples=["default"])]
    personalization: Annotated[bool | None, Meta(description="The user's own setting.", examples=[True])] = None


@get("/users/{user_id:str}/status", guards=READ, sync_to_thread=True, summary="Personalisation status",
     responses=ERRORS)
def status(request: Request, user_id: USER_ID) -> UserStatus:
    """rec.status: signal counts, whether the feed is personalised and whether onboarding is needed."""
    return value(request, q.STATUS, {"user_id": user_id})


class Strategy(Struct):
    """A named weight set and its parameters (rows of pgrec.strategies, edited by a DBA)."""

    name: Annotated[str, Meta(examples=["explore"])]
    description: Annotated[str | None, Meta(examples=["Discovery: content similarity and declared tastes first."])]
    personalized: Annotated[bool, Meta(description="false: the same list for everyone.", examples=[True])]
    weights: Annotated[dict[str, float], Meta(description="signal → weight; what `weights` on the feed replaces.",
                                              examples=[{"vector": 0.3, "explicit": 0.25, "behavioral": 0.25}])]
    parameters: Annotated[dict[str, Any], Meta(examples=[{"candidate_limit": 200, "diversity_penalty": 0.02}])]


class Strategies(Struct):
    strategies: list[Strategy]


@get("/strategies", guards=READ, sync_to_thread=True, summary="Ranking strategies", responses=ERRORS)
def strategies(request: Request) -> Strategies:
    """rec.strategies: every strategy the feed accepts, with its weights and parameters."""
    return Strategies([Strategy(r["name"], r["description"], r["personalized"], r["weights"], r["parameters"])
                       for r in rows(request, q.STRATEGIES, {})])


class UserStats(Struct):
    """rec.user_stats: a user's activity."""

    user_id: Annotated[str, Meta(examples=["u1"])]
    events: Annotated[int, Meta(examples=[350])]
    by_type: Annotated[dict[str, Any], Meta(examples=[{"view": 160, "like": 60, "save": 20}])]
    active_days: Annotated[int, Meta(examples=[48])]
    current_streak: Annotated[int, Meta(description="Consecutive active days up to today.", examples=[3])]
    longest_streak: Annotated[int, Meta(examples=[9])]
    first_at: Annotated[str | None, Meta(examples=["2026-08-03T10:15:00+00:00"])]
    last_at: Annotated[str | None, Meta(examples=["2026-12-01T18:40:00+00:00"])]


@get("/users/{user_id:str}/stats", guards=READ, sync_to_thread=True, summary="Activity statistics", responses=ERRORS)
def user_stats(request: Request, user_id: USER_ID) -> UserStats:
    """rec.user_stats: counts by event type, active days and streaks, first and last activity."""
    result = rows(request, q.USER_STATS, {"user_id": user_id})
    if not result:
        from litestar.exceptions import NotFoundException

        raise NotFoundException(f'unknown user "{user_id}"')
    r = result[0]
    return UserStats(r["user_id"], r["events"], r["by_type"] or {}, r["active_days"] or 0,
                     r["current_streak"] or 0, r["longest_streak"] or 0,
                     r["first_at"].isoformat() if r["first_at"] else None,
                     r["last_at"].isoformat() if r["last_at"] else None)


class Question(Struct):
    """One onboarding question and its options (each declares tags)."""

    question_id: Annotated[str, Meta(examples=["interests"])]
    prompt: Annotated[str, Meta(examples=["What would you like to learn?"])]
    multiple: Annotated[bool, Meta(description="Several options may be chosen.", examples=[True])]
    options: Annotated[Any, Meta(examples=[[{"id": "cooking", "label": "Cooking", "tags": ["category:cooking"]}]])]


class Questions(Struct):
    questions: list[Question]


@get("/onboarding/questions", guards=READ, sync_to_thread=True, summary="Onboarding questions", responses=ERRORS)
def onboarding_questions(request: Request) -> Questions:
    """rec.onboarding_questions: what to ask a new user; answers go to POST .../onboarding."""
    return Questions([Question(r["question_id"], r["prompt"], r["multiple"], r["options"])
                      for r in rows(request, q.ONBOARDING_QUESTIONS, {})])


ROUTES = [user_feed, trending, latest, similar, nearby, search, next_items, session_feed, learning_path,
          explain, status, user_stats, onboarding_questions, strategies]
