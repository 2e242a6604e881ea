"""Read endpoints: feeds, lists, search, explanations, status. Scope ``read``."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter
from msgspec import Struct

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, Ranked, RankedList, ranked, rows, value
from app.embeddings.query import QueryVector

log = logging.getLogger("pgrec.api")
READ = [requires("read")]

N = Annotated[int | None, Parameter(description="How many items, 1..500 (default 20; next: 10).")]
OFFSET = Annotated[int | None, Parameter(description="Items to skip, 0..10000 (default 0).")]
USER = Annotated[str | None, Parameter(description="Personalise for this user (optional).")]
TAGS = Annotated[list[str] | None, Parameter(description="Only items with any of these tags (repeat the parameter).")]


@get("/users/{user_id:str}/feed", guards=READ, sync_to_thread=True, summary="Personalised feed", responses=ERRORS)
def user_feed(request: Request, user_id: FromPath[str], n: N = None, offset: OFFSET = None,
              strategy: Annotated[str | None, Parameter(description="Strategy name (default 'default').")] = None,
              weights: Annotated[str | None, Parameter(
                  description='JSON object overriding signal weights, e.g. {"tags": 0.5}.')] = None) -> RankedList:
    """rec.feed: the user's "For You" list with the score terms and reasons of every item."""
    return ranked(rows(request, q.FEED, {"user_id": user_id, "n": n, "offset": offset,
                                         "strategy": strategy, "weights": weights}))


@get("/trending", guards=READ, sync_to_thread=True, summary="Trending items", responses=ERRORS)
def trending(request: Request, n: N = None, offset: OFFSET = None,
             window: Annotated[str | None, Parameter(description="Time window, e.g. '24 hours' (default).")] = None,
             user_id: USER = None, tags: TAGS = None) -> RankedList:
    """rec.trending: engagement velocity in the window against the previous one."""
    return ranked(rows(request, q.TRENDING, {"n": n, "offset": offset, "window": window,
                                             "user_id": user_id, "tags": tags}))


@get("/latest", guards=READ, sync_to_thread=True, summary="Newest items", responses=ERRORS)
def latest(request: Request, n: N = None, offset: OFFSET = None, tags: TAGS = None) -> RankedList:
    """rec.latest: newest first, popularity as tie-break."""
    return ranked(rows(request, q.LATEST, {"n": n, "offset": offset, "tags": tags}))


@get("/items/{item_id:str}/similar", guards=READ, sync_to_thread=True, summary="Similar items", responses=ERRORS)
def similar(request: Request, item_id: FromPath[str], n: N = None, user_id: USER = None) -> RankedList:
    """rec.similar_items: embedding, collaborative and tag similarity to one item."""
    return ranked(rows(request, q.SIMILAR, {"item_id": item_id, "n": n, "user_id": user_id}))


@get("/nearby", guards=READ, sync_to_thread=True, summary="Items near a point", responses=ERRORS)
def nearby(request: Request, lat: Annotated[float, Parameter(description="Latitude, -90..90.")],
           lon: Annotated[float, Parameter(description="Longitude, -180..180.")],
           radius_km: Annotated[float | None, Parameter(description="Radius in km (default 10).")] = None,
           n: N = None, user_id: USER = None) -> RankedList:
    """rec.nearby: items inside the radius, distance decay blended with engagement."""
    return ranked(rows(request, q.NEARBY, {"lat": lat, "lon": lon, "radius_km": radius_km,
                                           "n": n, "user_id": user_id}))


#: Added to every row's reasons when a search could not use query embeddings.
KEYWORD_ONLY_REASON = "keyword match only: query embeddings unavailable"


class SearchResults(Struct):
    """Items ranked best first, and how the query was matched: ``hybrid`` (words and meaning)
    or ``keyword`` (words only). ``degraded`` says why a search that should have been hybrid
    was not (the embeddings provider is failing, slow or busy)."""

    items: list[Ranked]
    mode: str
    degraded: str | None = None


@get("/search", guards=READ, sync_to_thread=True, summary="Hybrid search", responses=ERRORS)
def search(request: Request, text: Annotated[str, QueryParameter(name="q", description="Search words.")],
           n: N = None, user_id: USER = None) -> Response[SearchResults]:
    """rec.search: full-text search fused with vector search when the query can be embedded.
    If the embeddings provider is unavailable the search still answers, by keywords, and says
    so (``mode``, ``degraded``, the ``X-Search-Mode`` header and a reason on every item)."""
    embedded = embed_query(request, text)
    result = ranked(rows(request, q.SEARCH, {"query": text, "n": n, "user_id": user_id,
                                             "query_embedding": embedded.vector}))
    mode = "hybrid" if embedded.vector is not None else "keyword"
    degraded = embedded.why_not if embedded.unavailable else None
    if degraded:
        for item in result.items:
            reasons = item.reasons.setdefault("reasons", [])
            if isinstance(reasons, list):
                reasons.append(KEYWORD_ONLY_REASON)
    headers = {"X-Search-Mode": mode}
    if degraded:
        headers["X-Search-Degraded"] = degraded
    return Response(SearchResults(result.items, mode, degraded), headers=headers)


def embed_query(request: Request, text: str) -> QueryVector:
    """The query's embedding, or why there is none (then the search is keyword only)."""
    state = request.app.state
    if not state.settings.api_embed_queries or not text.strip():
        return QueryVector(None, "query embeddings switched off" if text.strip() else "blank query")
    return state.query_embedder.embed(text)


def load_query_provider(state: Any) -> Any:
    """The embeddings provider for search queries: the configured one, with the short query
    timeout and no retries; None when none is installed."""
    from dataclasses import replace

    try:
        from app.embeddings import get_provider

        settings = state.settings
        # The database's dimension, not the setting: the column was fixed at install time.
        dim = state.database.value(q.INSTALLATION, {}).get("embedding_dim")
        return get_provider(replace(settings, embedding_timeout=settings.api_query_embed_timeout,
                                    embedding_max_retries=0), dim=dim)
    except ImportError:
        log.info("no embeddings provider installed: search is keyword only")
        return None


@get("/users/{user_id:str}/next", guards=READ, sync_to_thread=True, summary="Next steps", responses=ERRORS)
def next_items(request: Request, user_id: FromPath[str], n: N = None) -> RankedList:
    """rec.next_items: what users went on to after the items this user engaged with last."""
    return ranked(rows(request, q.NEXT_ITEMS, {"user_id": user_id, "n": n}))


class SessionRequest(Struct):
    """Items the anonymous visitor viewed in this session, most recent last."""

    item_ids: list[str]
    n: int | None = None


@post("/sessions/feed", guards=READ, sync_to_thread=True, status_code=200, summary="Feed for a session",
      responses=ERRORS)
def session_feed(request: Request, data: JSONBody[SessionRequest]) -> RankedList:
    """rec.session_feed: recommendations for a visitor without an account."""
    return ranked(rows(request, q.SESSION_FEED, {"item_ids": data.item_ids, "n": data.n}))


class LearningPathRequest(Struct):
    item_ids: list[str]


class PathStep(Struct):
    step: int
    item_id: str
    score: float
    reasons: dict[str, Any]


class LearningPath(Struct):
    steps: list[PathStep]


@post("/users/{user_id:str}/learning-path", guards=READ, sync_to_thread=True, status_code=200,
      summary="Order items into a learning path", responses=ERRORS)
def learning_path(request: Request, user_id: FromPath[str],
                  data: JSONBody[LearningPathRequest]) -> LearningPath:
    """rec.learning_path: the items in an order that respects prerequisites and the user's progress."""
    result = rows(request, q.LEARNING_PATH, {"user_id": user_id, "item_ids": data.item_ids})
    return LearningPath([PathStep(r["step"], r["item_id"], r["score"], r["reasons"]) for r in result])


@get("/users/{user_id:str}/items/{item_id:str}/explain", guards=READ, sync_to_thread=True,
     summary="Why an item ranks where it does", responses=ERRORS)
def explain(request: Request, user_id: FromPath[str], item_id: FromPath[str],
            strategy: Annotated[str | None, Parameter(description="Strategy name (default 'default').")] = None
            ) -> dict[str, Any]:
    """rec.explain: the full score breakdown of one item for one user, even outside the feed."""
    return value(request, q.EXPLAIN, {"user_id": user_id, "item_id": item_id, "strategy": strategy})


@get("/users/{user_id:str}/status", guards=READ, sync_to_thread=True, summary="Personalisation status",
     responses=ERRORS)
def status(request: Request, user_id: FromPath[str]) -> dict[str, Any]:
    """rec.status: signal counts, whether the feed is personalised and whether onboarding is needed."""
    return value(request, q.STATUS, {"user_id": user_id})


class UserStats(Struct):
    user_id: str
    events: int
    by_type: dict[str, Any]
    active_days: int
    current_streak: int
    longest_streak: int
    first_at: str | None
    last_at: str | None


@get("/users/{user_id:str}/stats", guards=READ, sync_to_thread=True, summary="Activity statistics", responses=ERRORS)
def user_stats(request: Request, user_id: FromPath[str]) -> UserStats:
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
    question_id: str
    prompt: str
    multiple: bool
    options: Any


class Questions(Struct):
    questions: list[Question]


@get("/onboarding/questions", guards=READ, sync_to_thread=True, summary="Onboarding questions", responses=ERRORS)
def onboarding_questions(request: Request) -> Questions:
    """rec.onboarding_questions: what to ask a new user; answers go to POST .../onboarding."""
    return Questions([Question(r["question_id"], r["prompt"], r["multiple"], r["options"])
                      for r in rows(request, q.ONBOARDING_QUESTIONS, {})])


ROUTES = [user_feed, trending, latest, similar, nearby, search, next_items, session_feed, learning_path,
          explain, status, user_stats, onboarding_questions]
