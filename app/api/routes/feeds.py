"""Read endpoints: feeds, lists, search, explanations, status. Scope ``read``."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import ValidationException
from litestar.params import JSONBody, Parameter, QueryParameter
import msgspec
from msgspec import Meta, Struct

from app.api import queries as q
from app.api.auth import requires
from app.api.errors import request_id
from app.api.impressions import Page
from app.api.routes.common import ERRORS, ITEM_ID, USER_ID, Ranked, RankedList, example, jsonb, ranked, rows, value
from app.embeddings.query import QueryVector

log = logging.getLogger("pgrec.api")
READ = [requires("read")]



N = Annotated[int | None, Parameter(description="How many items, 1..500 (default 20; next: 10).", examples=example(10))]
OFFSET = Annotated[int | None, Parameter(description="Items to skip, 0..10000 (default 0).", examples=example(0))]
USER = Annotated[str | None, Parameter(description="Personalise for this user (optional).", examples=example("u1"))]
TAGS = Annotated[list[str] | None, Parameter(description="Only items with any of these tags (repeat the parameter).",
                                             examples=example(["category:design"]))]
STRATEGY = Annotated[str | None, Parameter(description="Strategy name (default 'default'; see GET /v1/strategies).",
                                           examples=example("explore"))]
FILTER = Annotated[str | None, Parameter(
    description='Content filter, a JSON object (the same grammar for every list): {"tags_any": [tags], "tags_all": '
                '[tags], "tags_none": [tags], "attributes": {"key": {"eq"|"ne"|"in"|"nin"|"lt"|"lte"|"gt"|"gte"|'
                '"exists": value}}, "price": {"lt"|"lte"|"gt"|"gte": number}}.',
    examples=example('{"tags_any": ["category:design"], "attributes": {"level": {"lte": 3}}}'))]
FEED_STRATEGY = Annotated[str | None, Parameter(
    description="Strategy name (default: the installation's blend; see GET /v1/strategies), or experiment:NAME "
                "for the user's variant of that A/B experiment (GET /v1/experiments).",
    examples=example("experiment:blend_test"))]


class FeedPage(Struct):
    """A feed page, best first, and the request it was served under: its items were logged as
    impressions under `request_id` for the experiment reports."""

    items: list[Ranked]
    request_id: Annotated[str, Meta(description="The X-Request-ID sent, when it is a plain token (1..64 of "
                                                "A-Z a-z 0-9 . _ -), else a new one; also in the X-Request-ID header.",
                                    examples=["5f0c3a9e2b7d4c1e8a6f0b3d2c1e4f5a"])]


def list_strategy(default: str) -> Any:
    """The strategy parameter of a list other than the feed: each list has its own strategies
    (rec.strategies() names the list each one is for)."""
    return Annotated[str | None, Parameter(description=f"Strategy for this list (default '{default}'; "
                                                        "see GET /v1/strategies).", examples=example(default))]


TRENDING_STRATEGY, LATEST_STRATEGY, SIMILAR_STRATEGY, NEARBY_STRATEGY, SEARCH_STRATEGY, NEXT_STRATEGY = (
    list_strategy(name) for name in ("trending", "latest", "similar", "nearby", "search", "next"))


def exclusion_policy(policy: str | None, exclude_seen: bool | None, exclude_applied: bool | None) -> str | None:
    """The exclusion policy a feed request asks for: a name (a row of pgrec.exclusion_policies),
    or the marketplace's two switches as shorthand for one. Seen covers applied (a listing applied
    to was seen): exclude_seen → unseen; only exclude_applied → unapplied; neither → undismissed
    (own and dismissed items still never show). Nothing given: the strategy's own policy."""
    if exclude_seen is None and exclude_applied is None:
        return policy
    if policy is not None:
        raise ValidationException("give exclusion_policy or the exclude_seen/exclude_applied switches, not both",
                                  extra=[{"key": "exclusion_policy", "message": "leave it out with the switches"}])
    if exclude_seen is not False:
        return "unseen"
    return "unapplied" if exclude_applied is not False else "undismissed"


EXCLUDE_SEEN = Annotated[bool | None, Parameter(
    description="Leave out what the user has seen (policy unseen); false shows seen items again. "
                "Shorthand for exclusion_policy, with exclude_applied.", examples=example(False))]
EXCLUDE_APPLIED = Annotated[bool | None, Parameter(
    description="With exclude_seen=false: leave out what the user applied to (policy unapplied), or not "
                "(undismissed).", examples=example(True))]


@get("/users/{user_id:str}/feed", guards=READ, sync_to_thread=True, summary="Personalised feed", responses=ERRORS)
def user_feed(request: Request, user_id: USER_ID, n: N = None, offset: OFFSET = None, strategy: FEED_STRATEGY = None,
              weights: Annotated[str | None, Parameter(
                  description='JSON object replacing the strategy\'s signal weights for this call.',
                  examples=example('{"collaborative": 0.5, "recency": 0.3, "popularity": 0.2}'))] = None,
              type: Annotated[str | None, Parameter(
                  description="A recommendation type instead of a strategy: content-based, collaborative, trending, "
                              "sequential (GET /v1/recommendation-types).",
                  examples=example("content-based"))] = None,
              filter: FILTER = None,
              exclusion_policy_: Annotated[str | None, QueryParameter(
                  name="exclusion_policy",
                  description="What to leave out for this call instead of the strategy's policy: unseen, unacted, "
                              "unapplied, undismissed, anchors, none (rows of pgrec.exclusion_policies).",
                  examples=example("unapplied"))] = None,
              exclude_seen: EXCLUDE_SEEN = None, exclude_applied: EXCLUDE_APPLIED = None) -> FeedPage:
    """rec.feed: the user's "For You" list with the score terms and reasons of every item. The
    page is logged as impressions (rec.log_impressions) under the request id; reasons carry
    `experiment` and `variant` when an experiment chose the strategy. `exclude_seen` and
    `exclude_applied` choose the exclusion policy of the call (see `exclusion_policy`)."""
    result = rows(request, q.FEED, {"user_id": user_id, "n": n, "offset": offset,
                                    "strategy": strategy, "weights": weights, "type": type, "filter": filter,
                                    "exclusion_policy": exclusion_policy(exclusion_policy_, exclude_seen,
                                                                         exclude_applied)}, raw_json=True)
    rid = request_id(request)
    log_impressions(request, rid, user_id, strategy, result)
    return FeedPage(ranked(result).items, rid)


def log_impressions(request: Request, rid: str, user_id: str, strategy: str | None,
                    result: list[dict[str, Any]]) -> None:
    """Record the served page in pgrec.impressions, with the experiment and variant its
    reasons name: queued for the API's impression writer (app/api/impressions.py), which writes
    it within PGREC_API_IMPRESSIONS_FLUSH_MS at the clock it was served at. The feed is the
    product and the log its measurement: a failure there is a warning in the log, never the
    client's error."""
    state = request.app.state
    if not result or not state.settings.api_log_impressions:
        return
    # The reasons are passed on as the SQL wrote them (msgspec.Raw); only an experiment's page
    # has these keys, and only its first row is read for them.
    first = bytes(result[0]["reasons"] or b"{}")
    served = msgspec.json.decode(first) if b'"experiment"' in first else {}
    experiment = served.get("experiment")
    state.impressions.add(Page(
        request_id=rid, user_id=user_id, items=[r["item_id"] for r in result], experiment=experiment,
        variant=served.get("variant") if experiment else None,
        # An experiment's strategy is its variant's (rec.log_impressions fills it in).
        strategy=None if experiment else strategy, served_at=result[0]["served_at"]))


@get("/trending", guards=READ, sync_to_thread=True, summary="Trending items", responses=ERRORS)
def trending(request: Request, n: N = None, offset: OFFSET = None,
             window: Annotated[str | None, Parameter(description="Time window, 1 hour..30 days (default '24 hours').",
                                                     examples=example("24 hours"))] = None,
             user_id: USER = None, tags: TAGS = None, strategy: TRENDING_STRATEGY = None,
             filter: FILTER = None,
             hours: Annotated[int | None, Parameter(description="The window in hours, 1..720 (instead of window).",
                                                    examples=example(6))] = None) -> RankedList:
    """rec.trending: engagement velocity in the window against the previous one."""
    if hours is not None:
        if window is not None:
            raise ValidationException("give window or hours, not both",
                                      extra=[{"key": "hours", "message": "leave it out with window"}])
        window = f"{hours} hours"  # rec.trending checks the bounds and names `window`
    return ranked(rows(request, q.TRENDING, {"n": n, "offset": offset, "window": window,
                                             "user_id": user_id, "tags": tags, "strategy": strategy,
                                             "filter": filter}))


@get("/latest", guards=READ, sync_to_thread=True, summary="Newest items", responses=ERRORS)
def latest(request: Request, n: N = None, offset: OFFSET = None, tags: TAGS = None,
           strategy: LATEST_STRATEGY = None, user_id: USER = None, filter: FILTER = None) -> RankedList:
    """rec.latest: newest first, popularity as tie-break; with a user and a personal strategy
    (explore_new) followed creators and matching items move a few days ahead."""
    return ranked(rows(request, q.LATEST, {"n": n, "offset": offset, "tags": tags, "strategy": strategy,
                                           "user_id": user_id, "filter": filter}))


@get("/items/{item_id:str}/similar", guards=READ, sync_to_thread=True, summary="Similar items", responses=ERRORS)
def similar(request: Request, item_id: ITEM_ID, n: N = None, user_id: USER = None,
            strategy: SIMILAR_STRATEGY = None, filter: FILTER = None) -> RankedList:
    """rec.similar_items: embedding, collaborative and tag similarity to one item."""
    return ranked(rows(request, q.SIMILAR, {"item_id": item_id, "n": n, "user_id": user_id, "strategy": strategy,
                                            "filter": filter}))


@get("/nearby", guards=READ, sync_to_thread=True, summary="Items near a point", responses=ERRORS)
def nearby(request: Request, lat: Annotated[float, Parameter(description="Latitude, -90..90.", examples=example(52.52))],
           lon: Annotated[float, Parameter(description="Longitude, -180..180.", examples=example(13.405))],
           radius_km: Annotated[float | None, Parameter(description="Radius in km, up to 500 (default 10).",
                                                        examples=example(10))] = None,
           n: N = None, user_id: USER = None, strategy: NEARBY_STRATEGY = None, filter: FILTER = None) -> RankedList:
    """rec.nearby: items inside the radius, distance decay blended with engagement."""
    return ranked(rows(request, q.NEARBY, {"lat": lat, "lon": lon, "radius_km": radius_km,
                                           "n": n, "user_id": user_id, "strategy": strategy, "filter": filter}))


#: Added to every row's reasons when a search could not use query embeddings.
KEYWORD_ONLY_REASON = "keyword match only: query embeddings unavailable"


class SearchResults(Struct):
    """Items ranked best first, and how the query was matched."""

    items: list[Ranked]
    mode: Annotated[str, Meta(description="`hybrid` (words and meaning) or `keyword` (words only).",
                              examples=["hybrid"])]
    degraded: Annotated[str | None, Meta(
        description="Why a search that should have been hybrid was not (the embeddings provider is "
                    "failing, slow or busy); null otherwise.", examples=[None])] = None


@get("/search", guards=READ, sync_to_thread=True, summary="Hybrid search", responses=ERRORS)
def search(request: Request, text: Annotated[str, QueryParameter(name="q", description="Search words.",
                                                                  examples=example("dumbbell"))],
           n: N = None, user_id: USER = None, strategy: SEARCH_STRATEGY = None,
           expand: Annotated[bool | None, Parameter(
               description="Expand the query with the user's strongest interests (needs user_id); the terms added "
                           "are in each item's reasons (query_expansion).", examples=example(True))] = None,
           filter: FILTER = None) -> Response[SearchResults]:
    """rec.search: full-text search fused with vector search when the query can be embedded.
    If the embeddings provider is unavailable the search still answers, by keywords, and says
    so (``mode``, ``degraded``, the ``X-Search-Mode`` header and a reason on every item)."""
    embedded = embed_query(request, text)
    result = ranked(rows(request, q.SEARCH, {"query": text, "n": n, "user_id": user_id, "strategy": strategy,
                                             "query_embedding": embedded.vector, "expand": expand,
                                             "filter": filter}))
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
def next_items(request: Request, user_id: USER_ID, n: N = None, strategy: NEXT_STRATEGY = None,
               filter: FILTER = None) -> RankedList:
    """rec.next_items: what users went on to after the items this user engaged with last."""
    return ranked(rows(request, q.NEXT_ITEMS, {"user_id": user_id, "n": n, "strategy": strategy, "filter": filter}))


class SessionRequest(Struct):
    """Items the anonymous visitor viewed in this session, most recent last."""

    item_ids: Annotated[list[str], Meta(examples=[["i722", "i1133"]])]
    n: Annotated[int | None, Meta(description="How many items, 1..500 (default 20).", examples=[10])] = None
    strategy: Annotated[str | None, Meta(description="Strategy for session feeds (default 'session').",
                                         examples=["session"])] = None
    filter: Annotated[dict[str, Any] | None, Meta(description="Content filter (as on every list).",
                                                  examples=[{"tags_none": ["category:fitness"]}])] = None


@post("/sessions/feed", guards=READ, sync_to_thread=True, status_code=200, summary="Feed for a session",
      responses=ERRORS)
def session_feed(request: Request, data: JSONBody[SessionRequest]) -> RankedList:
    """rec.session_feed: recommendations for a visitor without an account."""
    return ranked(rows(request, q.SESSION_FEED, {"item_ids": data.item_ids, "n": data.n, "strategy": data.strategy,
                                                 "filter": jsonb(data.filter)}))


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
    list: Annotated[str | None, Meta(description="The list this strategy is for (feed, trending, similar, …).",
                                     examples=["feed"])] = None


class Strategies(Struct):
    strategies: list[Strategy]


@get("/strategies", guards=READ, sync_to_thread=True, summary="Ranking strategies", responses=ERRORS)
def strategies(request: Request) -> Strategies:
    """rec.strategies: every strategy, the list it is for, its weights and parameters."""
    return Strategies([Strategy(r["name"], r["description"], r["personalized"], r["weights"], r["parameters"],
                                r["list"]) for r in rows(request, q.STRATEGIES, {})])


class ItemsRequest(Struct):
    """The items to look up (at most 1,000 ids)."""

    item_ids: Annotated[list[str], Meta(examples=[["i722", "i1133"]])]


class StoredItem(Struct):
    """An item's stored fields, in the shape `PUT /v1/items` accepts."""

    item_id: Annotated[str, Meta(examples=["i722"])]
    title: Annotated[str | None, Meta(examples=["Figma color systems"])]
    description: Annotated[str | None, Meta(examples=["Design tokens and palettes"])]
    tags: Annotated[list[str], Meta(examples=[["category:design", "tool:figma"]])]
    creator_id: Annotated[str | None, Meta(examples=["u113"])]
    created_at: Annotated[str | None, Meta(examples=["2026-02-05T00:40:04+00:00"])]
    location: Annotated[dict[str, float] | None, Meta(examples=[{"lat": 52.52, "lon": 13.405}])]
    price: Annotated[float | None, Meta(examples=[15.0])]
    attributes: Annotated[dict[str, Any], Meta(examples=[{"level": 2}])]
    status: Annotated[str, Meta(description="active, hidden or archived.", examples=["active"])]
    expires_at: Annotated[str | None, Meta(examples=[None])]
    embedded: Annotated[bool, Meta(description="Whether the item has an embedding yet.", examples=[True])]


class StoredItems(Struct):
    items: list[StoredItem]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@post("/items/lookup", guards=READ, sync_to_thread=True, status_code=200, summary="Items by id", responses=ERRORS)
def items(request: Request, data: JSONBody[ItemsRequest]) -> StoredItems:
    """rec.items: the stored fields of up to 1,000 items, in the order asked; unknown ids are left
    out. Hidden, archived and expired items are included with their status (a lookup, not a list)."""
    return StoredItems([StoredItem(r["item_id"], r["title"], r["description"], r["tags"] or [], r["creator_id"],
                                   _iso(r["created_at"]), r["location"],
                                   float(r["price"]) if r["price"] is not None else None, r["attributes"] or {},
                                   r["status"], _iso(r["expires_at"]), r["embedded"])
                        for r in rows(request, q.ITEMS, {"item_ids": data.item_ids})])


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
def onboarding_questions(request: Request, questionnaire: Annotated[str | None, Parameter(
        description="Which product's quiz (default 'default'; the explore page's is 'explore').",
        examples=example("explore"))] = None) -> Questions:
    """rec.onboarding_questions: what to ask a new user; answers go to POST .../onboarding."""
    return Questions([Question(r["question_id"], r["prompt"], r["multiple"], r["options"])
                      for r in rows(request, q.ONBOARDING_QUESTIONS, {"questionnaire": questionnaire})])


class Follow(Struct):
    """A creator the user follows now."""

    creator_id: Annotated[str, Meta(description="The creator_id their items carry.", examples=["member1"])]
    followed_at: Annotated[str, Meta(examples=["2026-11-02T10:00:00+00:00"])]
    items: Annotated[int, Meta(description="Their live items.", examples=[12])]


class Follows(Struct):
    follows: list[Follow]


@get("/users/{user_id:str}/follows", guards=READ, sync_to_thread=True, summary="Creators a user follows",
     responses=ERRORS)
def following(request: Request, user_id: USER_ID) -> Follows:
    """rec.following: the creators the user follows now, the latest follow first."""
    return Follows([Follow(r["creator_id"], r["followed_at"].isoformat(), r["items"])
                    for r in rows(request, q.FOLLOWING, {"user_id": user_id})])


ROUTES = [user_feed, trending, latest, similar, nearby, search, next_items, session_feed, learning_path,
          explain, status, user_stats, onboarding_questions, strategies, items, following]
