"""Every ``rec`` function the client calls, with the HTTP route that forwards to it.

A :class:`Call` names the SQL function, its arguments (name → SQL type, in signature order)
and the columns it returns; its :class:`Route` says where each argument goes in the HTTP
request and where the result is in the answer. Only the arguments a caller gives are sent
(by name), so defaults stay where they are documented: in the SQL signatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from psycopg import sql

RANKED = ("item_id", "score", "reasons")


@dataclass(frozen=True)
class Route:
    """How the HTTP API exposes a call.

    ``path`` holds ``{name}`` placeholders for path arguments. For GET and DELETE the other
    arguments go in the query string; otherwise ``body`` is either the one argument that *is*
    the body (a batch) or the arguments that make up a JSON object. ``answer`` is the key of
    the response that holds the result (``None``: the whole response); ``one_row`` wraps a
    single object as the one row of a table function. ``unsupported`` lists arguments the
    endpoint does not take (the API computes them itself)."""

    method: str
    path: str
    answer: str | None = None
    body: str | tuple[str, ...] | None = None
    names: tuple[tuple[str, str], ...] = ()  # argument → query parameter name, where they differ
    one_row: bool = False
    unsupported: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    """One ``rec`` function: ``function`` with ``args`` (name, SQL type), returning ``columns``
    (a table function) or a single value (``columns`` empty). The first ``required`` arguments
    have no default: they are always sent, ``None`` as NULL, so that the function itself says
    that the value is missing (22004) rather than PostgreSQL finding no function to call."""

    function: str
    args: tuple[tuple[str, str], ...]
    columns: tuple[str, ...] = ()
    route: Route | None = field(default=None, compare=False)
    required: int = 0

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.args[:self.required])

    def statement(self, given: set[str]) -> sql.Composed:
        """``SELECT … FROM rec.f(a => %(a)s::type, …)`` for the arguments given."""
        return _statement(self.function, self.args, self.columns, tuple(n for n, _ in self.args if n in given))


@lru_cache(maxsize=256)
def _statement(function: str, args: tuple[tuple[str, str], ...], columns: tuple[str, ...],
               names: tuple[str, ...]) -> sql.Composed:
    types = dict(args)
    arguments = sql.SQL(", ").join(
        sql.SQL("{} => {}::{}").format(sql.Identifier(name), sql.Placeholder(name), sql.SQL(types[name]))
        for name in names)
    schema, name = function.split(".")
    target = sql.SQL("{}.{}({})").format(sql.Identifier(schema), sql.Identifier(name), arguments)
    if columns:
        return sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(map(sql.Identifier, columns)), target)
    return sql.SQL("SELECT {}").format(target)


def _args(*pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.split(":", 1)[0], p.split(":", 1)[1]) for p in pairs)


# --- writes ---------------------------------------------------------------------------------
UPSERT_ITEMS = Call("rec.upsert_items", _args("items:jsonb"), required=1,
                    route=Route("PUT", "/v1/items", "written", body="items"))
UPSERT_USERS = Call("rec.upsert_users", _args("users:jsonb"), required=1,
                    route=Route("PUT", "/v1/users", "written", body="users"))
TRACK = Call("rec.track", _args("events:jsonb"), required=1,
             route=Route("POST", "/v1/events", "new", body="events"))
SUBMIT_ONBOARDING = Call("rec.submit_onboarding", _args("user_id:text", "answers:jsonb"), required=2,
                         route=Route("POST", "/v1/users/{user_id}/onboarding", "preferences_written", body="answers"))
FOLLOW = Call("rec.follow", _args("follows:jsonb"), required=1,
              route=Route("POST", "/v1/follows", "started", body="follows"))
UNFOLLOW = Call("rec.unfollow", _args("follows:jsonb"), required=1,
                route=Route("POST", "/v1/unfollows", "ended", body="follows"))

# --- lists ----------------------------------------------------------------------------------
FEED = Call("rec.feed", _args("user_id:text", "n:integer", "offset:integer", "strategy:text", "weights:jsonb",
                              "type:text", "filter:jsonb", "exclusion_policy:text"),
            RANKED, required=1, route=Route("GET", "/v1/users/{user_id}/feed", "items"))
TRENDING = Call("rec.trending", _args("n:integer", "offset:integer", "window:interval", "user_id:text", "tags:text[]",
                                      "strategy:text", "filter:jsonb"),
                RANKED, route=Route("GET", "/v1/trending", "items"))
LATEST = Call("rec.latest", _args("n:integer", "offset:integer", "tags:text[]", "strategy:text", "user_id:text",
                                  "filter:jsonb"),
              RANKED, route=Route("GET", "/v1/latest", "items"))
SIMILAR_ITEMS = Call("rec.similar_items", _args("item_id:text", "n:integer", "user_id:text", "strategy:text",
                                                "filter:jsonb"),
                     RANKED, required=1, route=Route("GET", "/v1/items/{item_id}/similar", "items"))
NEARBY = Call("rec.nearby", _args("lat:double precision", "lon:double precision", "radius_km:double precision",
                                  "n:integer", "user_id:text", "strategy:text", "filter:jsonb"),
              RANKED, required=2, route=Route("GET", "/v1/nearby", "items"))
# The HTTP API embeds the query itself (with the installation's provider), so it takes no
# embedding from the caller.
SEARCH = Call("rec.search", _args("query:text", "n:integer", "user_id:text", "query_embedding:public.vector",
                                  "strategy:text", "expand:boolean", "filter:jsonb"),
              RANKED, required=1,
              route=Route("GET", "/v1/search", "items", names=(("query", "q"),), unsupported=("query_embedding",)))
NEXT_ITEMS = Call("rec.next_items", _args("user_id:text", "n:integer", "strategy:text", "filter:jsonb"),
                  RANKED, required=1, route=Route("GET", "/v1/users/{user_id}/next", "items"))
SESSION_FEED = Call("rec.session_feed", _args("item_ids:text[]", "n:integer", "strategy:text", "filter:jsonb"),
                    RANKED, required=1,
                    route=Route("POST", "/v1/sessions/feed", "items", body=("item_ids", "n", "strategy", "filter")))
RANK = Call("rec.rank", _args("user_id:text", "item_ids:text[]", "strategy:text", "filter:jsonb"),
            RANKED, required=2,
            route=Route("POST", "/v1/users/{user_id}/rank", "items", body=("item_ids", "strategy", "filter")))
LEARNING_PATH = Call("rec.learning_path", _args("user_id:text", "item_ids:text[]"),
                     ("step", *RANKED), required=2,
                     route=Route("POST", "/v1/users/{user_id}/learning-path", "steps", body=("item_ids",)))

# --- about users and items ------------------------------------------------------------------
EXPLAIN = Call("rec.explain", _args("user_id:text", "item_id:text", "strategy:text"), required=2,
               route=Route("GET", "/v1/users/{user_id}/items/{item_id}/explain"))
STATUS = Call("rec.status", _args("user_id:text"), required=1, route=Route("GET", "/v1/users/{user_id}/status"))
USER_STATS = Call("rec.user_stats", _args("user_id:text"),
                  ("user_id", "events", "by_type", "active_days", "current_streak", "longest_streak", "first_at",
                   "last_at"),
                  required=1, route=Route("GET", "/v1/users/{user_id}/stats", one_row=True))
ITEMS = Call("rec.items", _args("item_ids:text[]"),
             ("item_id", "title", "description", "tags", "creator_id", "created_at", "location", "price", "attributes",
              "status", "expires_at", "embedded"),
             required=1, route=Route("POST", "/v1/items/lookup", "items", body=("item_ids",)))
ONBOARDING_QUESTIONS = Call("rec.onboarding_questions", _args("questionnaire:text"),
                            ("question_id", "prompt", "multiple", "options"),
                            route=Route("GET", "/v1/onboarding/questions", "questions"))
FOLLOWING = Call("rec.following", _args("user_id:text"), ("creator_id", "followed_at", "items"), required=1,
                 route=Route("GET", "/v1/users/{user_id}/follows", "follows"))
STRATEGIES = Call("rec.strategies", (), ("name", "description", "personalized", "weights", "parameters", "list"),
                  route=Route("GET", "/v1/strategies", "strategies"))

RECOMMENDATION_TYPES = Call("rec.recommendation_types", (), ("type", "strategy", "description"),
                            route=Route("GET", "/v1/recommendation-types", "types"))

# --- profiles and consent -------------------------------------------------------------------
PROFILE = Call("rec.profile", _args("user_id:text"), required=1, route=Route("GET", "/v1/users/{user_id}/profile"))
PROFILE_HISTORY = Call("rec.profile_history", _args("user_id:text", "n:integer", "before:bigint"),
                       ("version", "changed_at", "cause", "changes"), required=1,
                       route=Route("GET", "/v1/users/{user_id}/profile/history", "versions"))
UPSERT_CONSENTS = Call("rec.upsert_consents", _args("consents:jsonb"), required=1,
                       route=Route("PUT", "/v1/consents", "written", body="consents"))
CONSENTS = Call("rec.consents", _args("user_id:text"), ("purpose", "granted", "answered", "updated_at", "description"),
                required=1, route=Route("GET", "/v1/users/{user_id}/consents", "consents"))

# --- learning -------------------------------------------------------------------------------
UPSERT_PATHS = Call("rec.upsert_paths", _args("paths:jsonb"), required=1,
                    route=Route("PUT", "/v1/paths", "written", body="paths"))
PATHS = Call("rec.paths", (), ("path_id", "title", "description", "attributes", "modules", "updated_at"),
             route=Route("GET", "/v1/paths", "paths"))
PATH_PROGRESS = Call("rec.path_progress", _args("user_id:text", "path_id:text"), required=2,
                     route=Route("GET", "/v1/users/{user_id}/paths/{path_id}/progress"))
RECOMMENDED_DIFFICULTY = Call("rec.recommended_difficulty", _args("user_id:text"), required=1,
                              route=Route("GET", "/v1/users/{user_id}/difficulty"))
ACHIEVEMENTS = Call("rec.achievements", _args("user_id:text"),
                    ("achievement", "title", "description", "kind", "target", "progress", "unlocked", "unlocked_at",
                     "claimed_at", "details"),
                    required=1, route=Route("GET", "/v1/users/{user_id}/achievements", "achievements"))
CLAIM_ACHIEVEMENT = Call("rec.claim_achievement", _args("user_id:text", "achievement:text"), required=2,
                         route=Route("POST", "/v1/users/{user_id}/achievements/{achievement}/claim"))

# --- privacy --------------------------------------------------------------------------------
FORGET_USER = Call("rec.forget_user", _args("user_id:text", "items:text"), required=1,
                   route=Route("DELETE", "/v1/users/{user_id}"))
EXPORT_USER = Call("rec.export_user", _args("user_id:text"), required=1,
                   route=Route("GET", "/v1/users/{user_id}/export"))
EXPORT_USER_EVENTS = Call("rec.export_user_events", _args("user_id:text", "after:bigint", "n:integer"),
                          ("cursor", "event"), required=1,
                          route=Route("GET", "/v1/users/{user_id}/export/events", "events"))

# --- experiments ----------------------------------------------------------------------------
EXPERIMENT_VARIANT = Call("rec.experiment_variant", _args("experiment:text", "user_id:text"),
                          ("variant", "strategy", "running"), required=2,
                          route=Route("GET", "/v1/experiments/{experiment}/assignment", one_row=True))
LOG_IMPRESSIONS = Call("rec.log_impressions", _args("request_id:text", "user_id:text", "items:text[]", "experiment:text",
                                                    "variant:text", "strategy:text"), required=3,
                       route=Route("POST", "/v1/impressions", "logged",
                                   body=("request_id", "user_id", "items", "experiment", "variant", "strategy")))

#: Every call, for the test that compares them with the installed functions.
ALL = (UPSERT_ITEMS, UPSERT_USERS, TRACK, SUBMIT_ONBOARDING, FOLLOW, UNFOLLOW, FEED, TRENDING, LATEST, SIMILAR_ITEMS,
       NEARBY, SEARCH, NEXT_ITEMS, SESSION_FEED, RANK, LEARNING_PATH, EXPLAIN, STATUS, USER_STATS, ITEMS,
       ONBOARDING_QUESTIONS, FOLLOWING, STRATEGIES, RECOMMENDATION_TYPES, PROFILE, PROFILE_HISTORY, UPSERT_CONSENTS,
       CONSENTS, UPSERT_PATHS, PATHS, PATH_PROGRESS, RECOMMENDED_DIFFICULTY, ACHIEVEMENTS, CLAIM_ACHIEVEMENT,
       FORGET_USER, EXPORT_USER, EXPORT_USER_EVENTS, EXPERIMENT_VARIANT, LOG_IMPRESSIONS)
