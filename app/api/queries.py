"""Every SQL statement the HTTP API runs: one ``rec.*`` function per endpoint.

A :class:`Call` names the function, its arguments with their SQL types, and the columns it
returns. Only the arguments a request actually gives are passed (by name), so the defaults
stay where they are documented: in the function's SQL signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from psycopg import sql

RANKED = ("item_id", "score", "reasons")


@dataclass(frozen=True)
class Call:
    """One ``rec`` function: ``function`` with ``args`` (name → SQL type), returning ``columns``
    (a table function) or a single value (``columns`` empty). ``replica``: a read function the
    API may serve from a hot standby (``PGREC_READ_DATABASE_URL``); a test checks each is STABLE
    and runs on a standby."""

    function: str
    args: tuple[tuple[str, str], ...]
    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = field(default=())
    replica: bool = False
    # Also return the clock the call ran at (``rec.now()`` as ``served_at``): what a served page
    # is logged with when the log is written later (app/api/impressions.py).
    clock: bool = False

    def statement(self, given: Iterable[str]) -> sql.Composed:
        return _statement(self, tuple(name for name, _ in self.args if name in set(given)))


@lru_cache(maxsize=512)
def _statement(call: Call, names: tuple[str, ...]) -> sql.Composed:
    types = dict(call.args)
    arguments = sql.SQL(", ").join(
        sql.SQL("{} => {}::{}").format(sql.Identifier(name), sql.Placeholder(name), sql.SQL(types[name]))
        for name in names
    )
    schema, function = call.function.split(".")
    target = sql.SQL("{}.{}({})").format(sql.Identifier(schema), sql.Identifier(function), arguments)
    if call.columns:
        columns = sql.SQL(", ").join(map(sql.Identifier, call.columns))
        if call.clock:
            columns = sql.SQL("{}, rec.now() AS served_at").format(columns)
        return sql.SQL("SELECT {} FROM {}").format(columns, target)
    return sql.SQL("SELECT {}").format(target)


def _args(*pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.split(":")[0], p.split(":")[1]) for p in pairs)


# --- feeds ----------------------------------------------------------------------------------
FEED = Call("rec.feed", _args("user_id:text", "n:integer", "offset:integer", "strategy:text", "weights:jsonb",
                              "type:text", "filter:jsonb", "exclusion_policy:text"), RANKED, replica=True,
            clock=True)
TRENDING = Call("rec.trending", _args("n:integer", "offset:integer", "window:interval", "user_id:text", "tags:text[]",
                                      "strategy:text", "filter:jsonb"), RANKED, replica=True)
LATEST = Call("rec.latest", _args("n:integer", "offset:integer", "tags:text[]", "strategy:text", "user_id:text",
                                  "filter:jsonb"), RANKED, replica=True)
SIMILAR = Call("rec.similar_items", _args("item_id:text", "n:integer", "user_id:text", "strategy:text", "filter:jsonb"),
               RANKED, replica=True)
NEARBY = Call("rec.nearby", _args("lat:double precision", "lon:double precision", "radius_km:double precision",
                                  "n:integer", "user_id:text", "strategy:text", "filter:jsonb"), RANKED, replica=True)
SEARCH = Call("rec.search", _args("query:text", "n:integer", "user_id:text", "query_embedding:public.vector",
                                  "strategy:text", "expand:boolean", "filter:jsonb"), RANKED, replica=True)
NEXT_ITEMS = Call("rec.next_items", _args("user_id:text", "n:integer", "strategy:text", "filter:jsonb"), RANKED,
                  replica=True)
SESSION_FEED = Call("rec.session_feed", _args("item_ids:text[]", "n:integer", "strategy:text", "filter:jsonb"), RANKED,
                    replica=True)
RANK = Call("rec.rank", _args("user_id:text", "item_ids:text[]", "strategy:text", "filter:jsonb"), RANKED, replica=True)
RECOMMENDATION_TYPES = Call("rec.recommendation_types", (), ("type", "strategy", "description"), replica=True)
LEARNING_PATH = Call("rec.learning_path", _args("user_id:text", "item_ids:text[]"), ("step", *RANKED), replica=True)
EXPLAIN = Call("rec.explain", _args("user_id:text", "item_id:text", "strategy:text"), replica=True)
STATUS = Call("rec.status", _args("user_id:text"), replica=True)
USER_STATS = Call("rec.user_stats", _args("user_id:text"),
                  ("user_id", "events", "by_type", "active_days", "current_streak", "longest_streak", "first_at", "last_at"),
                  replica=True)
STRATEGIES = Call("rec.strategies", (), ("name", "description", "personalized", "weights", "parameters", "list"),
                  replica=True)
ITEMS = Call("rec.items", _args("item_ids:text[]"),
             ("item_id", "title", "description", "tags", "creator_id", "created_at", "location", "price", "attributes",
              "status", "expires_at", "embedded"), replica=True)
ONBOARDING_QUESTIONS = Call("rec.onboarding_questions", _args("questionnaire:text"),
                            ("question_id", "prompt", "multiple", "options"), replica=True)
FOLLOWING = Call("rec.following", _args("user_id:text"), ("creator_id", "followed_at", "items"), replica=True)

# --- profiles and consent -------------------------------------------------------------------
PROFILE = Call("rec.profile", _args("user_id:text"), replica=True)
PROFILE_HISTORY = Call("rec.profile_history", _args("user_id:text", "n:integer", "before:bigint"),
                       ("version", "changed_at", "cause", "changes"), replica=True)
UPSERT_CONSENTS = Call("rec.upsert_consents", _args("consents:jsonb"))
CONSENTS = Call("rec.consents", _args("user_id:text"), ("purpose", "granted", "answered", "updated_at", "description"),
                replica=True)

# --- learning -------------------------------------------------------------------------------
UPSERT_PATHS = Call("rec.upsert_paths", _args("paths:jsonb"))
PATHS = Call("rec.paths", (), ("path_id", "title", "description", "attributes", "modules", "updated_at"), replica=True)
PATH_PROGRESS = Call("rec.path_progress", _args("user_id:text", "path_id:text"), replica=True)
RECOMMENDED_DIFFICULTY = Call("rec.recommended_difficulty", _args("user_id:text"), replica=True)
ACHIEVEMENTS = Call("rec.achievements", _args("user_id:text"),
                    ("achievement", "title", "description", "kind", "target", "progress", "unlocked", "unlocked_at",
                     "claimed_at", "details"), replica=True)
CLAIM_ACHIEVEMENT = Call("rec.claim_achievement", _args("user_id:text", "achievement:text"))

# --- analytics and the audit log (admin) ----------------------------------------------------
ANALYTICS = Call("rec.analytics", _args("period:text", "metric:text"), ("metric", "measure", "value", "previous", "change"),
                 replica=True)
AUDIT_LOG = Call("rec.audit_log", _args("user_id:text", "since:timestamptz", "n:integer"),
                 ("id", "at", "action", "user_id", "actor", "login_role", "details"), replica=True)

# --- experiments ----------------------------------------------------------------------------
EXPERIMENT_VARIANT = Call("rec.experiment_variant", _args("experiment:text", "user_id:text"),
                          ("variant", "strategy", "running"))
LOG_IMPRESSIONS = Call("rec.log_impressions", _args("request_id:text", "user_id:text", "items:text[]", "experiment:text",
                                                    "variant:text", "strategy:text"))
EXPERIMENTS = Call("rec.experiments", (), ("name", "description", "list", "status", "starts_at", "ends_at", "variants",
                                           "created_at"))
UPSERT_EXPERIMENT = Call("rec.upsert_experiment", _args("experiment:jsonb"))
END_EXPERIMENT = Call("rec.end_experiment", _args("name:text"))
EXPERIMENT_REPORT = Call("rec.experiment_report", _args("experiment:text", "attribution:interval"),
                         ("variant", "strategy", "share", "control", "users", "impressions", "clicks", "ctr", "ctr_low",
                          "ctr_high", "conversions", "conversion_rate", "conversion_low", "conversion_high",
                          "items_shown", "coverage", "ctr_diff", "ctr_diff_low", "ctr_diff_high"))

# --- writes ---------------------------------------------------------------------------------
UPSERT_ITEMS = Call("rec.upsert_items", _args("items:jsonb"))
UPSERT_USERS = Call("rec.upsert_users", _args("users:jsonb"))
TRACK = Call("rec.track", _args("events:jsonb"))
SUBMIT_ONBOARDING = Call("rec.submit_onboarding", _args("user_id:text", "answers:jsonb"))
FOLLOW = Call("rec.follow", _args("follows:jsonb"))
UNFOLLOW = Call("rec.unfollow", _args("follows:jsonb"))

# --- privacy --------------------------------------------------------------------------------
FORGET_USER = Call("rec.forget_user", _args("user_id:text", "items:text"))
EXPORT_USER = Call("rec.export_user", _args("user_id:text"))
EXPORT_USER_EVENTS = Call("rec.export_user_events", _args("user_id:text", "after:bigint", "n:integer"), ("cursor", "event"))

# --- operations -----------------------------------------------------------------------------
REFRESH = Call("rec.refresh", _args("what:text"), ("step", "outcome", "rows", "seconds"))
AUTHENTICATE = Call("rec.authenticate", _args("secret:text"), ("key_name", "key_scopes"))
# Public prefixes of live keys: lets the API refuse invented keys without a query per request.
API_KEY_PREFIXES = Call("rec.api_key_prefixes", (), ("prefix",))
INSTALLATION = Call("rec.installation", ())
REFRESH_STATUS = Call("rec.refresh_status", (), ("step", "position", "description", "last_started_at", "last_outcome",
                                                   "last_rows", "last_seconds", "last_detail", "last_ok_at", "runner",
                                                   "enabled", "every"))
FEED_METRICS = Call("rec.feed_metrics", _args("window:interval", "attribution:interval"),
                    ("strategy", "total", "users", "impressions", "clicks", "ctr", "applies", "apply_rate", "saves",
                     "save_rate", "personalized_users", "coverage", "items_shown", "catalogue_coverage"))
SCORE_DISTRIBUTION = Call("rec.score_distribution", _args("strategy:text", "users:integer", "n:integer",
                                                          "buckets:integer"))
EMBED_STATUS = Call("rec.embed_status", ())
ACTIVITY = Call("rec.activity", _args("window:interval", "bucket:interval"), ("bucket_start", "events", "by_type"))
FRESHNESS = Call("rec.freshness", (), ("step", "last_ok_at", "age_seconds", "last_outcome", "last_run_at"))
CREATE_API_KEY = Call("rec.create_api_key", _args("name:text", "scopes:text[]"), ("key_name", "prefix", "key_scopes", "secret"))
REVOKE_API_KEY = Call("rec.revoke_api_key", _args("name:text"))
REPLICATION = Call("rec.replication", _args("standby_lsn:pg_lsn"))
API_KEYS = Call("rec.api_keys", (), ("key_name", "prefix", "key_scopes", "created_at", "last_used_at", "revoked_at"))
