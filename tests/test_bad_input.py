"""Bad input for every public ``rec`` function: a clear SQLSTATE, nothing stored, and derived
data that still refreshes afterwards.

What is tried: NaN, ±Infinity, 1e308, −1, 0, huge n/offset, 50,000-element arrays, 1 MB
strings, NUL and lone surrogates (inside JSON, the only way they reach PostgreSQL), JSON nested
1,000 deep, ``yesterday``, ``-infinity`` and timestamps far from now, per the documented
limits (README, "Limits"). Each call runs in autocommit as a LOGIN role that is only a member
of pgrec_app (or pgrec_admin for operations), exactly as an application would call it, so a
value the function wrongly accepts is really stored — and the last tests show what it does to
the refresh and to everybody's feeds.

The functions come from the catalog: a public function (no leading underscore) without an
entry in :data:`FUNCTIONS`, or an entry whose arguments differ from the catalog's, fails
:func:`test_every_public_function_is_covered`, so a new function cannot skip this suite.

Expected outcomes: ``reject`` — a class 22 SQLSTATE (22023, 22004, 22P02, …), or P0002 where
the case says an unknown id may be reported as such; ``empty`` — succeeds and returns no rows
(``rec.authenticate`` answers "not a key" that way); ``safe`` — either succeeds or raises class
22 / P0002, for inputs outside the documented limits whose only requirement is not to fail
otherwise (the refresh check at the end still covers what they stored).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import psycopg
import pytest
from psycopg import sql

from app.db import configure, with_database
from tests.helpers import as_role, login_role

APP_ROLE = "pgrec_test_caller_app"
ADMIN_ROLE = "pgrec_test_caller_admin"
MB = "x" * (1 << 20)
OMIT = object()  # an argument left out, so its default applies


# --- what the functions are called with ----------------------------------------------------

@dataclass(frozen=True)
class Arg:
    name: str
    type: str  # SQL type the parameter is cast to
    good: Any  # a value the function accepts (OMIT: leave the argument out)
    kind: str | None = None  # which standard bad values apply (see BAD_VALUES)


@dataclass(frozen=True)
class Case:
    label: str
    values: dict[str, Any]  # argument name -> value replacing the good one
    expect: str = "reject"  # reject | reject-or-unknown | empty | safe


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[Arg, ...] = ()
    role: str = "app"
    cases: tuple[Case, ...] = ()


_DEEP = re.compile(r'"@@deep-(\d+)@@"')


def js(value: Any) -> str:
    """JSON text as PostgreSQL receives it (``Json`` adapters would re-encode it). Deep values
    are spliced in as text: Python's encoder itself gives up near 1,000 levels."""
    return _DEEP.sub(lambda m: '{"a":' * int(m.group(1)) + "1" + "}" * int(m.group(1)), json.dumps(value))


def deep_array(depth: int) -> str:
    return "[" * depth + "]" * depth


def deep_object(depth: int) -> str:
    """A placeholder that :func:`js` turns into ``{"a": {"a": … 1 …}}`` nested ``depth`` deep."""
    return f"@@deep-{depth}@@"


NOW = datetime.now(timezone.utc)
FAR_PAST = "1950-01-01T00:00:00Z"  # beyond 50 years before rec.now()
FAR_FUTURE = (NOW + timedelta(days=366 * 60)).strftime("%Y-%m-%dT%H:%M:%SZ")
BAD_TIMESTAMPS = [("yesterday", "yesterday"), ("now", "now"), ("infinity", "infinity"), ("-infinity", "-infinity"),
                  ("epoch number", 0), ("1e308", 1e308), ("1950", FAR_PAST), ("60 years ahead", FAR_FUTURE)]
NON_FINITE = [("NaN string", "NaN"), ("Infinity string", "Infinity"), ("-Infinity string", "-Infinity"),
              ("1e308", 1e308), ("-1e308", -1e308)]

BAD_VALUES: dict[str, list[tuple[str, Any, str]]] = {
    "id": [("null", None, "reject"), ("empty", "", "reject"), ("201 chars", "x" * 201, "reject"),
           ("1 MB", MB, "reject")],
    "optional id": [("empty", "", "reject"), ("201 chars", "x" * 201, "reject"), ("1 MB", MB, "reject")],
    "n": [("0", 0, "reject"), ("-1", -1, "reject"), ("501", 501, "reject"), ("int max", 2**31 - 1, "reject"),
          ("int min", -2**31, "reject")],
    "offset": [("-1", -1, "reject"), ("10001", 10_001, "reject"), ("int max", 2**31 - 1, "reject")],
    "strategy": [("empty", "", "reject"), ("unknown", "nope", "reject"), ("1 MB", MB, "reject")],
    "query": [("null", None, "reject"), ("empty", "", "reject"), ("blank", "   ", "reject"),
              ("1001 chars", "python " * 143, "reject"), ("1 MB", MB, "reject"),
              ("33 terms", " ".join(f"word{i}" for i in range(33)), "reject")],
    "window": [("0", "0", "reject"), ("-1 hour", "-1 hour", "reject"), ("59 minutes", "59 minutes", "reject"),
               ("31 days", "31 days", "reject"), ("1000 years", "1000 years", "reject"),
               ("infinity", "infinity", "reject"), ("-infinity", "-infinity", "reject")],
    "lat": [("NaN", float("nan"), "reject"), ("Infinity", float("inf"), "reject"),
            ("-Infinity", float("-inf"), "reject"), ("1e308", 1e308, "reject"), ("-1e308", -1e308, "reject"),
            ("90.5", 90.5, "reject")],
    "lon": [("NaN", float("nan"), "reject"), ("Infinity", float("inf"), "reject"), ("1e308", 1e308, "reject"),
            ("180.5", 180.5, "reject")],
    "radius": [("0", 0.0, "reject"), ("-1", -1.0, "reject"), ("NaN", float("nan"), "reject"),
               ("Infinity", float("inf"), "reject"), ("1e308", 1e308, "reject"), ("20001", 20_001.0, "reject")],
    "tag filter": [("51 tags", [f"t{i}" for i in range(51)], "reject"),
                   ("50k tags", [f"t{i}" for i in range(50_000)], "reject"), ("null element", [None], "reject"),
                   ("empty element", [""], "reject"), ("1 MB element", [MB], "reject"),
                   ("201-char element", ["x" * 201], "reject")],
    "session items": [("101 ids", [f"i{i}" for i in range(101)], "reject"),
                      ("50k ids", [f"i{i}" for i in range(50_000)], "reject"), ("null element", [None], "reject"),
                      ("empty element", [""], "reject"), ("1 MB element", [MB], "reject")],
    "rank items": [("null", None, "reject"), ("1001 ids", [f"i{i}" for i in range(1001)], "reject"),
                   ("10k ids", [f"i{i}" for i in range(10_000)], "reject"), ("null element", [None], "reject"),
                   ("empty element", [""], "reject"), ("1 MB element", [MB], "reject")],
    "filter": [("unknown key", '{"nope": 1}', "reject"), ("an array", "[1]", "reject"), ("a number", "1e308", "reject"),
               ("tags_any empty", '{"tags_any": []}', "reject"),
               ("tags_any 51", json.dumps({"tags_any": [f"t{i}" for i in range(51)]}), "reject"),
               ("tags_any 50k", json.dumps({"tags_any": [f"t{i}" for i in range(50_000)]}), "reject"),
               ("tags_any null element", '{"tags_any": [null]}', "reject"),
               ("tags_all 1 MB tag", json.dumps({"tags_all": [MB]}), "reject"),
               ("tags_none a string", '{"tags_none": "x"}', "reject"),
               ("attributes an array", '{"attributes": [1]}', "reject"),
               ("attributes unknown operator", '{"attributes": {"level": {"like": 1}}}', "reject"),
               ("attributes 21 keys", json.dumps({"attributes": {f"k{i}": {"eq": 1} for i in range(21)}}), "reject"),
               ("attributes nested 1000 deep", '{"attributes": {"level": ' + deep_array(1000) + "}}", "reject"),
               ("price NaN", '{"price": {"lt": "NaN"}}', "reject"), ("price 1e308 (finite: a valid bound)", '{"price": {"lt": 1e308}}', "safe"),
               ("nested 1000 deep", deep_array(1000), "reject"),
               ("NUL in a tag", '{"tags_any": ["a\\u0000"]}', "reject")],
    "path items": [("201 ids", [f"i{i}" for i in range(201)], "reject"),
                   ("50k ids", [f"i{i}" for i in range(50_000)], "reject"), ("null element", [None], "reject"),
                   ("empty element", [""], "reject"), ("1 MB element", [MB], "reject")],
}


def batch_cases(base: dict[str, Any], overrides: list[tuple[str, dict[str, Any], str]], max_batch: int,
                unique_key: str) -> tuple[Case, ...]:
    """Cases for a JSON batch argument named after its function's argument: the batch as a
    whole, then one element with one key replaced."""
    def batch(*elements: Any) -> dict[str, Any]:
        return {"@batch": js(list(elements))}

    cases = [
        Case("SQL null", {"@batch": None}),
        Case("JSON null", {"@batch": "null"}),
        Case("an object", {"@batch": js(base)}),
        Case("a number 1e308", {"@batch": "1e308"}),
        Case("a string", {"@batch": js("x")}),
        Case(f"{max_batch + 1} elements",
             {"@batch": js([{**base, unique_key: f"{base[unique_key]}-{i}"} for i in range(max_batch + 1)])}),
        Case("50k elements", {"@batch": js([{**base, unique_key: f"{base[unique_key]}-{i}"} for i in range(50_000)])}),
        Case("nested 1000 deep", {"@batch": deep_array(1000)}),
        Case("NUL in a string", {"@batch": js([base]).replace(f'"{base[unique_key]}"', f'"{base[unique_key]}\\u0000"')}),
        Case("lone surrogate", {"@batch": js([base]).replace(f'"{base[unique_key]}"', f'"{base[unique_key]}\\ud800"')}),
        Case("1 MB unknown key", batch({**base, MB: 1})),
        Case("element is an array", batch([base])),
    ]
    for i, (label, override, expect) in enumerate(overrides):
        # Each element its own id: a value that is wrongly accepted stays stored (a later case
        # would otherwise overwrite it, or be skipped as a repeated event), so the refresh at
        # the end meets every poison at once.
        cases.append(Case(label, batch({**base, unique_key: f"{base[unique_key]}-{i}", **override}), expect))
    return tuple(cases)


def key_cases(key: str, values: list[tuple[str, Any]], expect: str = "reject") -> list[tuple[str, dict[str, Any], str]]:
    return [(f"{key} {label}", {key: value}, expect) for label, value in values]


ITEM = {"id": "bad-input-item", "title": "A good title"}
ITEM_OVERRIDES = [
    *key_cases("id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB), ("number", 123), ("null", None)]),
    *key_cases("title", [("1001 chars", "x" * 1001), ("1 MB", MB), ("number", 1e308)]),
    *key_cases("description", [("20001 chars", "x" * 20_001), ("1 MB", MB)]),
    *key_cases("tags", [("201 tags", [f"t{i}" for i in range(201)]), ("50k tags", [f"t{i}" for i in range(50_000)]),
                        ("201-char tag", ["x" * 201]), ("1 MB tag", [MB]), ("null tag", [None]), ("a string", "x")]),
    *key_cases("created_at", BAD_TIMESTAMPS),
    *key_cases("expires_at", [("yesterday", "yesterday"), ("-infinity", "-infinity"), ("infinity", "infinity"),
                              ("1e308", 1e308), ("60 years ahead", FAR_FUTURE)]),
    *key_cases("price", [("-1", -1), ("1e13", 1e13), *NON_FINITE]),
    *key_cases("location", [("lat NaN", {"lat": "NaN", "lon": 0}), ("lat 1e308", {"lat": 1e308, "lon": 0}),
                            ("lat Infinity", {"lat": "Infinity", "lon": 0}), ("lon 181", {"lat": 0, "lon": 181}),
                            ("lat only", {"lat": 1})]),
    *key_cases("attributes", [("17 KB", {"k": "x" * 17_000}), ("nested 9 deep", deep_object(9)),
                              ("nested 1000 deep", deep_object(1000)), ("an array", [1])]),
    *key_cases("status", [("unknown", "deleted"), ("1 MB", MB)]),
    *key_cases("creator_id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB)]),
]

USER = {"id": "bad-input-user"}
USER_OVERRIDES = [
    *key_cases("id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB), ("null", None)]),
    *key_cases("created_at", BAD_TIMESTAMPS),
    *key_cases("location", [("lat NaN", {"lat": "NaN", "lon": 0}), ("lat 1e308", {"lat": 1e308, "lon": 0})]),
    *key_cases("attributes", [("17 KB", {"k": "x" * 17_000}), ("nested 9 deep", deep_object(9)),
                              ("nested 1000 deep", deep_object(1000))]),
    *[(f"preferences {label}", {"preferences": prefs}, "reject") for label, prefs in [
        ("201 preferred tags", {"preferred_tags": [f"t{i}" for i in range(201)]}),
        ("50k preferred tags", {"preferred_tags": {f"t{i}": 1 for i in range(50_000)}}),
        ("preferred tag 1 MB", {"preferred_tags": [MB]}),
        ("weight NaN", {"preferred_tags": {"t": "NaN"}}), ("weight 1e308", {"preferred_tags": {"t": 1e308}}),
        ("weight -1", {"preferred_tags": {"t": -1}}), ("weight 0", {"preferred_tags": {"t": 0}}),
        ("201 blocked tags", {"blocked_tags": [f"t{i}" for i in range(201)]}),
        ("50k blocked tags", {"blocked_tags": [f"t{i}" for i in range(50_000)]}),
        ("max_distance_km 0", {"max_distance_km": 0}), ("max_distance_km -1", {"max_distance_km": -1}),
        ("max_distance_km 20001", {"max_distance_km": 20_001}), ("max_distance_km 1e308", {"max_distance_km": 1e308}),
        ("max_distance_km NaN", {"max_distance_km": "NaN"}),
        ("price_min -1", {"price_min": -1}), ("price_min NaN", {"price_min": "NaN"}),
        ("price_max 1e308", {"price_max": 1e308}), ("price_max Infinity", {"price_max": "Infinity"}),
        ("personalization a string", {"personalization": "yes"}),
        ("nested 1000 deep", deep_object(1000)),
    ]],
]

EVENT = {"event_id": "bad-input-event", "user_id": "ana", "item_id": "py-intro", "type": "like"}
EVENT_OVERRIDES = [
    *key_cases("event_id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB)]),
    *key_cases("user_id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB), ("null", None)]),
    *key_cases("item_id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB)]),
    *key_cases("type", [("unknown", "nope"), ("1 MB", MB)]),
    *key_cases("at", [*BAD_TIMESTAMPS, ("2 days ahead", (NOW + timedelta(days=2)).isoformat())]),
    *key_cases("context", [("17 KB", {"k": "x" * 17_000}), ("nested 9 deep", deep_object(9)),
                           ("nested 1000 deep", deep_object(1000)), ("an array", [1])]),
    *key_cases("value", [("1e7", 1e7), ("-1e7", -1e7), *NON_FINITE]),
    *[(f"rate value {label}", {"type": "rate", "value": value}, "reject") for label, value in [
        ("3e38", 3e38), ("1e30", 1e30), ("99", 99), ("-1000", -1000), ("0", 0), ("0.4", 0.4), ("5.5", 5.5),
        *NON_FINITE]],
]

CONSENT = {"user_id": "ana", "purpose": "analytics", "granted": False}
CONSENT_OVERRIDES = [
    *key_cases("user_id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB), ("null", None), ("number", 1)]),
    *key_cases("purpose", [("unknown", "marketing"), ("1 MB", MB), ("null", None), ("number", 1)]),
    *key_cases("granted", [("a string", "yes"), ("null", None), ("a number", 1)]),
    *key_cases("at", [("yesterday", "yesterday"), ("infinity", "infinity"), ("-infinity", "-infinity"),
                      ("1e308", 1e308), ("2 days ahead", (NOW + timedelta(days=2)).isoformat())]),
    ("unknown key", {"nope": 1}, "reject"),
]

PATH = {"id": "bad-input-path", "title": "A path", "modules": ["py-intro", "py-web"]}
PATH_OVERRIDES = [
    *key_cases("id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB), ("null", None), ("number", 1)]),
    *key_cases("title", [("1001 chars", "x" * 1001), ("1 MB", MB), ("number", 1e308)]),
    *key_cases("description", [("20001 chars", "x" * 20_001)]),
    *key_cases("attributes", [("nested 1000 deep", deep_object(1000)), ("an array", [1])]),
    *key_cases("modules", [("empty", []), ("201 modules", [f"i{i}" for i in range(201)]), ("a string", "py-intro"),
                           ("null element", [None]), ("1 MB id", [MB]), ("number element", [1]),
                           ("nested 1000 deep", deep_object(1000)), ("a module twice", ["py-intro", "py-intro"]),
                           ("prerequisite later in the path",
                            [{"id": "py-intro", "prerequisites": ["py-web"]}, "py-web"]),
                           ("prerequisites a string", [{"id": "py-intro", "prerequisites": "py-web"}])]),
    *key_cases("modules", [("unknown item", ["nope"]), ("unknown prerequisite",
                                                       [{"id": "py-intro", "prerequisites": ["nope"]}])],
               expect="reject-or-unknown"),
    ("unknown key", {"nope": 1}, "reject"),
]

FOLLOW = {"user_id": "ana", "creator_id": "bad-input-creator"}
FOLLOW_OVERRIDES = [
    *key_cases("user_id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB), ("number", 7), ("null", None)]),
    *key_cases("creator_id", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB), ("an object", {"id": "x"})]),
    *key_cases("at", [*BAD_TIMESTAMPS, ("2 days ahead", (NOW + timedelta(days=2)).isoformat())]),
    ("oneself", {"user_id": "ana", "creator_id": "ana"}, "reject"),
]

RULE = {"name": "bad-input-rule", "boost": 0.2, "tag": "category:design"}
RULE_OVERRIDES = [
    *key_cases("name", [("empty", ""), ("201 chars", "x" * 201), ("1 MB", MB)]),
    *key_cases("boost", [("2", 2), ("0", 0), *NON_FINITE]),
    *key_cases("starts_at", [("yesterday", "yesterday"), ("-infinity", "-infinity"), ("1e308", 1e308)]),
    *key_cases("ends_at", [("infinity", "infinity"), ("60 years ahead", FAR_FUTURE)]),
    *key_cases("tag", [("1 MB", MB)]),
    *key_cases("strategy", [("unknown", "nope"), ("1 MB", MB)]),
    *key_cases("attributes", [("nested 1000 deep", deep_object(1000))], expect="safe"),
]

WEIGHTS = [("NaN", {"tags": "NaN"}), ("1e308", {"tags": 1e308}), ("-1", {"tags": -1}),
           ("50k signals", {f"s{i}": 1 for i in range(50_000)})]
ANSWERS = [("nested 1000 deep", deep_object(1000)), ("50k answers", {f"q{i}": "x" for i in range(50_000)}),
           ("1 MB option", {"interests": [MB]}), ("1e308", {"level": 1e308}), ("an array", [1])]


def json_arg_cases(arg: str, values: list[tuple[str, Any]]) -> tuple[Case, ...]:
    return (*(Case(label, {arg: js(value)}) for label, value in values),
            Case("nested 1000 deep", {arg: deep_array(1000)}),
            Case("NUL", {arg: '{"tags\\u0000": 1}'}), Case("lone surrogate", {arg: '{"tags\\ud800": 1}'}))


FUNCTIONS: dict[str, Function] = {f.name: f for f in [
    Function("now"),
    Function("upsert_items", (Arg("items", "jsonb", js([ITEM])),),
             cases=batch_cases(ITEM, ITEM_OVERRIDES, 10_000, "id")),
    Function("upsert_users", (Arg("users", "jsonb", js([USER])),),
             cases=batch_cases(USER, USER_OVERRIDES, 10_000, "id")),
    Function("track", (Arg("events", "jsonb", js([EVENT])),),
             cases=batch_cases(EVENT, EVENT_OVERRIDES, 10_000, "event_id")),
    Function("feed", (Arg("user_id", "text", "ana", "id"), Arg("n", "integer", 5, "n"),
                      Arg("offset", "integer", 0, "offset"), Arg("strategy", "text", "default", "strategy"),
                      Arg("weights", "jsonb", OMIT), Arg("type", "text", OMIT), Arg("filter", "jsonb", OMIT, "filter"),
                      Arg("exclusion_policy", "text", OMIT)),
             cases=(*json_arg_cases("weights", WEIGHTS),
                    Case("type unknown", {"strategy": OMIT, "type": "nope"}),
                    Case("type 1 MB", {"strategy": OMIT, "type": MB}), Case("type empty", {"strategy": OMIT, "type": ""}),
                    Case("type and strategy", {"type": "trending"}),
                    Case("exclusion_policy unknown", {"exclusion_policy": "nope"}),
                    Case("exclusion_policy empty", {"exclusion_policy": ""}),
                    Case("exclusion_policy 1 MB", {"exclusion_policy": MB}))),
    Function("follow", (Arg("follows", "jsonb", js([FOLLOW])),),
             cases=batch_cases(FOLLOW, FOLLOW_OVERRIDES, 10_000, "creator_id")),
    Function("unfollow", (Arg("follows", "jsonb", js([FOLLOW])),),
             cases=batch_cases(FOLLOW, FOLLOW_OVERRIDES, 10_000, "creator_id")),
    Function("following", (Arg("user_id", "text", "ana", "id"),)),
    Function("explain", (Arg("user_id", "text", "ana", "id"), Arg("item_id", "text", "py-web", "id"),
                         Arg("strategy", "text", "default", "strategy"))),
    Function("status", (Arg("user_id", "text", "ana", "id"),)),
    Function("onboarding_questions", (Arg("questionnaire", "text", OMIT),),
             cases=(Case("null", {"questionnaire": None}), Case("empty", {"questionnaire": ""}),
                    Case("unknown", {"questionnaire": "nope"}), Case("1 MB", {"questionnaire": MB}))),
    Function("submit_onboarding", (Arg("user_id", "text", "ana", "id"), Arg("answers", "jsonb", js({"level": "beginner"}))),
             cases=json_arg_cases("answers", ANSWERS)),
    Function("strategies"),
    Function("rules", role="admin"),
    Function("upsert_rules", (Arg("rules", "jsonb", js([RULE])),), role="admin",
             cases=batch_cases(RULE, RULE_OVERRIDES, 1000, "name")),
    Function("delete_rules", (Arg("names", "text[]", ["bad-input-none"]),), role="admin",
             cases=(Case("null", {"names": None}), Case("null element", {"names": [None]}),
                    Case("1 MB name", {"names": [MB]}), Case("empty name", {"names": [""]}),
                    Case("50k names", {"names": [f"r{i}" for i in range(50_000)]}, "safe"))),
    Function("trending", (Arg("n", "integer", 5, "n"), Arg("offset", "integer", 0, "offset"),
                          Arg("window", "interval", "6 hours", "window"), Arg("user_id", "text", "ana", "optional id"),
                          Arg("tags", "text[]", ["tool:python"], "tag filter"), Arg("strategy", "text", OMIT, "strategy"),
                          Arg("filter", "jsonb", OMIT, "filter"))),
    Function("latest", (Arg("n", "integer", 5, "n"), Arg("offset", "integer", 0, "offset"),
                        Arg("tags", "text[]", ["tool:python"], "tag filter"), Arg("strategy", "text", OMIT, "strategy"),
                        Arg("user_id", "text", "ana", "optional id"), Arg("filter", "jsonb", OMIT, "filter"))),
    Function("similar_items", (Arg("item_id", "text", "py-intro", "id"), Arg("n", "integer", 5, "n"),
                               Arg("user_id", "text", "ana", "optional id"), Arg("strategy", "text", OMIT, "strategy"),
                               Arg("filter", "jsonb", OMIT, "filter"))),
    Function("nearby", (Arg("lat", "double precision", 52.5, "lat"), Arg("lon", "double precision", 13.4, "lon"),
                        Arg("radius_km", "double precision", 10.0, "radius"), Arg("n", "integer", 5, "n"),
                        Arg("user_id", "text", "ana", "optional id"), Arg("strategy", "text", OMIT, "strategy"),
                        Arg("filter", "jsonb", OMIT, "filter"))),
    Function("search", (Arg("query", "text", "python", "query"), Arg("n", "integer", 5, "n"),
                        Arg("user_id", "text", "ana", "optional id"), Arg("query_embedding", "public.vector", OMIT),
                        Arg("strategy", "text", OMIT, "strategy"), Arg("expand", "boolean", OMIT),
                        Arg("filter", "jsonb", OMIT, "filter")),
             cases=(Case("expand null", {"expand": None}, "safe"),
                    Case("expand for a visitor", {"user_id": OMIT, "expand": True}, "safe"),
                    Case("embedding NaN", {"query_embedding": "[NaN,1]"}),
                    Case("embedding Infinity", {"query_embedding": "[Infinity,1]"}),
                    Case("embedding of another dimension", {"query_embedding": "[1,2,3]"}),
                    Case("embedding 1e38", {"query_embedding": "[" + ",".join(["1e38"] * 384) + "]"}, "safe"))),
    Function("next_items", (Arg("user_id", "text", "ana", "id"), Arg("n", "integer", 5, "n"), Arg("strategy", "text", OMIT, "strategy"),
                            Arg("filter", "jsonb", OMIT, "filter"))),
    Function("learning_path", (Arg("user_id", "text", "ana", "id"),
                               Arg("item_ids", "text[]", ["py-intro", "py-web"], "path items"))),
    Function("session_feed", (Arg("item_ids", "text[]", ["py-intro"], "session items"), Arg("n", "integer", 5, "n"),
                              Arg("strategy", "text", OMIT, "strategy"), Arg("filter", "jsonb", OMIT, "filter"))),
    Function("user_stats", (Arg("user_id", "text", "ana", "id"),)),
    Function("refresh_status", role="admin"),
    Function("refresh", (Arg("what", "text", OMIT), Arg("full", "boolean", OMIT)), role="admin",
             cases=(Case("null", {"what": None}), Case("empty", {"what": ""}), Case("unknown", {"what": "nope"}),
                    Case("1 MB", {"what": MB}), Case("null full", {"full": None}))),
    Function("embedding_dim"),
    Function("embed_claim", (Arg("batch_size", "integer", OMIT),), role="admin",
             cases=(Case("0", {"batch_size": 0}), Case("-1", {"batch_size": -1}),
                    Case("int max", {"batch_size": 2**31 - 1}), Case("null", {"batch_size": None}))),
    Function("embed_store", (Arg("ids", "bigint[]", []), Arg("content_hashes", "text[]", []),
                             Arg("embeddings", "public.vector[]", "{}")), role="admin",
             cases=(Case("lengths differ", {"ids": [1, 2]}), Case("null", {"ids": None}),
                    Case("NaN vector", {"ids": [1], "content_hashes": ["h"], "embeddings": '{"[NaN,1]"}'}),
                    Case("wrong dimension", {"ids": [1], "content_hashes": ["h"], "embeddings": '{"[1,2]"}'}),
                    Case("1 MB hash", {"ids": [1], "content_hashes": [MB],
                                       "embeddings": "{\"[" + ",".join(["0.1"] * 384) + "]\"}"}, "safe"))),
    Function("embed_fail", (Arg("ids", "bigint[]", []), Arg("error", "text", "boom")), role="admin",
             cases=(Case("null ids", {"ids": None}), Case("1 MB error", {"ids": [1], "error": MB}, "safe"),
                    Case("50k ids", {"ids": list(range(50_000))}, "safe"))),
    Function("embed_status", role="admin"),
    Function("embed_bulk_begin", (Arg("min_pending", "integer", OMIT),), role="admin",
             cases=(Case("0", {"min_pending": 0}), Case("-1", {"min_pending": -1}), Case("null", {"min_pending": None}))),
    Function("embed_bulk_finish", (Arg("maintenance_work_mem", "text", OMIT),), role="admin",
             cases=(Case("null", {"maintenance_work_mem": None}), Case("not a size", {"maintenance_work_mem": "lots"}),
                    Case("negative", {"maintenance_work_mem": "-1MB"}), Case("1 MB", {"maintenance_work_mem": MB}))),
    Function("embed_requeue", (Arg("item_ids", "text[]", OMIT),), role="admin",
             cases=(Case("1 MB id", {"item_ids": [MB]}, "reject-or-unknown"),
                    Case("null element", {"item_ids": [None]}, "reject-or-unknown"),
                    Case("50k ids", {"item_ids": [f"i{i}" for i in range(50_000)]}, "reject-or-unknown"))),
    Function("log_job_run", (Arg("step", "text", "stats"), Arg("started_at", "timestamptz", NOW.isoformat()),
                             Arg("outcome", "text", "ok"), Arg("rows", "bigint", OMIT), Arg("detail", "text", OMIT)),
             role="admin",
             cases=(Case("null step", {"step": None}), Case("1 MB step", {"step": MB}),
                    Case("unknown outcome", {"outcome": "nope"}),
                    Case("started -infinity", {"started_at": "-infinity"}),
                    Case("started infinity", {"started_at": "infinity"}),
                    Case("rows -1", {"rows": -1}, "safe"), Case("1 MB detail", {"detail": MB}, "safe"))),
    Function("due_steps", (Arg("retry_base", "interval", OMIT),), role="admin",
             cases=(Case("null", {"retry_base": None}), Case("-1 hour", {"retry_base": "-1 hour"}),
                    Case("infinity", {"retry_base": "infinity"}), Case("-infinity", {"retry_base": "-infinity"}),
                    Case("1000 years", {"retry_base": "1000 years"}, "safe"))),
    Function("lock_step", (Arg("step", "text", "stats"),), role="admin",
             cases=(Case("null", {"step": None}), Case("empty", {"step": ""}, "reject-or-unknown"),
                    Case("1 MB", {"step": MB}, "reject-or-unknown"))),
    Function("unlock_step", (Arg("step", "text", "stats"),), role="admin",
             cases=(Case("null", {"step": None}), Case("empty", {"step": ""}, "reject-or-unknown"),
                    Case("1 MB", {"step": MB}, "reject-or-unknown"))),
    Function("create_api_key", (Arg("name", "text", OMIT), Arg("scopes", "text[]", OMIT)), role="admin",
             cases=(Case("null name", {"name": None}), Case("empty name", {"name": ""}),
                    Case("201-char name", {"name": "x" * 201}), Case("1 MB name", {"name": MB}),
                    Case("unknown scope", {"name": "bad-input-key", "scopes": ["nope"]}),
                    Case("null scope", {"name": "bad-input-key", "scopes": [None]}),
                    Case("50k scopes", {"name": "bad-input-key", "scopes": ["read"] * 50_000}),
                    Case("1 MB scope", {"name": "bad-input-key", "scopes": [MB]}))),
    Function("revoke_api_key", (Arg("name", "text", OMIT),), role="admin",
             cases=(Case("null", {"name": None}), Case("empty", {"name": ""}, "reject-or-unknown"),
                    Case("1 MB", {"name": MB}, "reject-or-unknown"),
                    Case("unknown", {"name": "bad-input-none"}, "reject-or-unknown"))),
    Function("api_keys", role="admin"),
    Function("authenticate", (Arg("secret", "text", "not-a-key"),),
             cases=(Case("1 MB", {"secret": MB}, "empty"), Case("empty", {"secret": ""}, "empty"),
                    Case("null", {"secret": None}, "empty"),
                    Case("wrong secret", {"secret": "pgrec_000000000000_" + "0" * 64}, "empty"))),
    Function("activity", (Arg("window", "interval", OMIT), Arg("bucket", "interval", OMIT)), role="admin",
             cases=(Case("window null", {"window": None}), Case("bucket null", {"bucket": None}),
                    Case("window -1 hour", {"window": "-1 hour"}), Case("window infinity", {"window": "infinity"}),
                    Case("window 1000 years", {"window": "1000 years"}), Case("bucket 0", {"bucket": "0"}),
                    Case("bucket -infinity", {"bucket": "-infinity"}),
                    Case("a million buckets", {"window": "30 days", "bucket": "1 second"}))),
    Function("installation"),
    Function("freshness"),
    Function("forget_user", (Arg("user_id", "text", OMIT), Arg("items", "text", OMIT)),
             cases=(Case("null", {"user_id": None}), Case("empty", {"user_id": ""}),
                    Case("1 MB", {"user_id": MB}), Case("unknown", {"user_id": "bad-input-none"}, "reject-or-unknown"),
                    Case("unknown item policy", {"user_id": "ben", "items": "nope"}),
                    Case("1 MB item policy", {"user_id": "ben", "items": MB}))),
    Function("unforget_user", (Arg("user_id", "text", OMIT),), role="admin",
             cases=(Case("null", {"user_id": None}), Case("empty", {"user_id": ""}), Case("1 MB", {"user_id": MB}),
                    Case("never forgotten", {"user_id": "bad-input-none"}, "safe"))),
    Function("export_user", (Arg("user_id", "text", "ana", "id"),)),
    Function("export_user_events", (Arg("user_id", "text", "ana", "id"), Arg("after", "bigint", 0),
                                    Arg("n", "integer", 100)),
             cases=(Case("n 0", {"n": 0}), Case("n -1", {"n": -1}), Case("n int max", {"n": 2**31 - 1}),
                    Case("after -1", {"after": -1}, "safe"), Case("after max", {"after": 2**63 - 1}, "safe"))),
    # Models and replays (operations).
    Function("models", role="admin"),
    Function("model_interactions", (Arg("model", "text", "itemknn"),), role="admin",
             cases=(Case("null", {"model": None}), Case("unknown", {"model": "nope"}), Case("1 MB", {"model": MB}))),
    Function("last_event_id", role="admin"),
    Function("clear_model", (Arg("model", "text", "itemknn"),), role="admin",
             cases=(Case("null", {"model": None}), Case("unknown", {"model": "nope"}), Case("1 MB", {"model": MB}))),
    Function("store_neighbors", (Arg("model", "text", "itemknn"), Arg("item_ids", "bigint[]", []),
                                 Arg("neighbor_ids", "bigint[]", []), Arg("scores", "real[]", [])), role="admin",
             cases=(Case("unknown model", {"model": "nope"}), Case("null ids", {"item_ids": None}),
                    Case("lengths differ", {"item_ids": [1], "neighbor_ids": [1, 2], "scores": [1.0]}),
                    Case("NaN score", {"item_ids": [1], "neighbor_ids": [2], "scores": [float("nan")]}),
                    Case("Infinity score", {"item_ids": [1], "neighbor_ids": [2], "scores": [float("inf")]}),
                    Case("unknown items", {"item_ids": [2**62], "neighbor_ids": [2**62 + 1], "scores": [1.0]},
                         "reject-or-unknown"),
                    Case("2 million rows", {"item_ids": [1] * 2_000_000, "neighbor_ids": [2] * 2_000_000,
                                            "scores": [1.0] * 2_000_000}))),
    Function("store_user_candidates", (Arg("model", "text", "ease"), Arg("user_ids", "bigint[]", []),
                                       Arg("item_ids", "bigint[]", []), Arg("scores", "real[]", [])), role="admin",
             cases=(Case("unknown model", {"model": "nope"}), Case("null scores", {"scores": None}),
                    Case("lengths differ", {"user_ids": [1, 2], "item_ids": [1], "scores": [1.0]}),
                    Case("NaN score", {"user_ids": [1], "item_ids": [1], "scores": [float("nan")]}),
                    Case("unknown user", {"user_ids": [2**62], "item_ids": [1], "scores": [1.0]}, "reject-or-unknown"))),
    Function("store_factors", (Arg("kind", "text", "item"), Arg("ids", "bigint[]", []),
                               Arg("factors", "public.vector[]", "{}")), role="admin",
             cases=(Case("unknown kind", {"kind": "nope"}), Case("null ids", {"ids": None}),
                    Case("lengths differ", {"ids": [1, 2]}),
                    Case("NaN factor", {"ids": [1], "factors": '{"[NaN,1]"}'}),
                    Case("wrong dimension", {"ids": [1], "factors": '{"[1,2]"}'}),
                    Case("unknown item", {"ids": [2**62], "factors": "{\"[" + ",".join(["0.1"] * 64) + "]\"}"},
                         "reject-or-unknown"))),
    Function("record_model_fit", (Arg("model", "text", "ease"), Arg("seconds", "double precision", 1.0),
                                  Arg("training_events", "bigint", 1), Arg("users", "bigint", 1),
                                  Arg("items_covered", "bigint", 1), Arg("metrics", "jsonb", "{}"),
                                  Arg("last_event_id", "bigint", 1)), role="admin",
             cases=(Case("unknown model", {"model": "nope"}), Case("NaN seconds", {"seconds": float("nan")}),
                    Case("Infinity seconds", {"seconds": float("inf")}), Case("-1 seconds", {"seconds": -1.0}),
                    Case("metrics array", {"metrics": "[]"}), Case("metrics null", {"metrics": None}),
                    Case("negative count", {"users": -1}))),
    Function("set_model_parameters", (Arg("model", "text", "ease"), Arg("parameters", "jsonb", "{}")), role="admin",
             cases=(Case("unknown model", {"model": "nope"}), Case("null parameters", {"parameters": None}),
                    Case("array", {"parameters": "[1]"}), Case("unknown key", {"parameters": js({"nope": 1})}),
                    Case("max_items 1e12", {"parameters": js({"max_items": 1e12})}),
                    Case("max_items string", {"parameters": js({"max_items": "many"})}),
                    Case("strength 2", {"parameters": js({"strengths": {"like": 2}})}),
                    Case("unknown event type", {"parameters": js({"strengths": {"nope": 1}})}),
                    Case("11 lambdas", {"parameters": js({"lambdas": [1] * 11})}),
                    Case("negative lambda", {"parameters": js({"lambdas": [-1]})}),
                    Case("decay sideways", {"parameters": js({"decay": "sideways"})}),
                    Case("deep", {"parameters": js({"strengths": deep_object(1000)})}))),
    Function("replay_split", (Arg("users", "integer", OMIT), Arg("cold_users", "integer", OMIT),
                              Arg("share", "double precision", OMIT), Arg("cold_keep", "integer", OMIT),
                              Arg("seed", "integer", OMIT)), role="admin",
             cases=(Case("users -1", {"users": -1}), Case("users int max", {"users": 2**31 - 1}),
                    Case("cold null", {"cold_users": None}), Case("share NaN", {"share": float("nan")}),
                    Case("share 1", {"share": 1.0}), Case("share 0", {"share": 0.0}),
                    Case("cold_keep 0", {"cold_keep": 0}), Case("seed null", {"seed": None}))),
    Function("feed_candidates", (Arg("user_id", "text", "ana", "id"), Arg("strategy", "text", OMIT, "strategy"),
                                 Arg("weights", "jsonb", OMIT), Arg("n", "integer", 5, "n")), role="admin",
             cases=json_arg_cases("weights", WEIGHTS)),
    Function("store_tuned_strategy", (Arg("name", "text", "tuned"), Arg("tuned_from", "text", "default"),
                                      Arg("weights", "jsonb", js({"ease": 1})), Arg("parameters", "jsonb", "{}"),
                                      Arg("metrics", "jsonb", "{}")), role="admin",
             cases=(Case("a preset's name", {"name": "default"}), Case("bad name", {"name": "Tuned!"}),
                    Case("null name", {"name": None}), Case("unknown base", {"tuned_from": "nope"}),
                    Case("weights array", {"weights": "[]"}), Case("unknown signal", {"weights": js({"nope": 1})}),
                    Case("NaN-like weight", {"weights": js({"ease": 1e308})}),
                    Case("unknown parameter", {"parameters": js({"nope": 1})}),
                    Case("candidate_limit 1e9", {"parameters": js({"candidate_limit": 1e9})}),
                    Case("unknown cold_start", {"parameters": js({"cold_start": "nope"})}),
                    Case("cap above window", {"parameters": js({"max_per_category": 50, "category_window": 10})}),
                    Case("metrics null", {"metrics": None}))),
    # Experiments.
    Function("experiments", role="admin"),
    Function("experiment_variant", (Arg("experiment", "text", "ab"), Arg("user_id", "text", "ana", "id")),
             cases=(Case("null", {"experiment": None}), Case("unknown", {"experiment": "nope"}, "reject-or-unknown"),
                    Case("1 MB", {"experiment": MB}, "reject-or-unknown"))),
    Function("log_impressions", (Arg("request_id", "text", "r1"), Arg("user_id", "text", "ana", "id"),
                                 Arg("items", "text[]", ["py-intro"]), Arg("experiment", "text", OMIT),
                                 Arg("variant", "text", OMIT), Arg("strategy", "text", OMIT)),
             cases=(Case("null request", {"request_id": None, "items": ["py-intro"]}),
                    Case("1 MB request", {"request_id": MB, "items": ["py-intro"]}),
                    Case("null items", {"request_id": "r1", "items": None}),
                    Case("501 items", {"request_id": "r1", "items": ["py-intro"] * 501}),
                    Case("null item", {"request_id": "r1", "items": [None]}),
                    Case("unknown item", {"request_id": "r1", "items": ["nope"]}, "reject-or-unknown"),
                    Case("unknown experiment", {"request_id": "r1", "items": ["py-intro"], "experiment": "nope"},
                         "reject-or-unknown"))),
    Function("upsert_experiment", (Arg("experiment", "jsonb", OMIT),), role="admin",
             cases=(Case("null", {"experiment": None}), Case("array", {"experiment": "[]"}),
                    Case("shares over 1", {"experiment": js({"name": "x", "variants": [
                        {"name": "a", "strategy": "default", "share": 0.7},
                        {"name": "b", "strategy": "explore", "share": 0.7}]})}),
                    Case("unknown strategy", {"experiment": js({"name": "x", "variants": [
                        {"name": "a", "strategy": "nope", "share": 0.5},
                        {"name": "b", "strategy": "default", "share": 0.5}]})}),
                    Case("deep", {"experiment": js({"name": "x", "variants": deep_object(1000)})}))),
    Function("end_experiment", (Arg("name", "text", OMIT),), role="admin",
             cases=(Case("null", {"name": None}), Case("unknown", {"name": "nope"}, "reject-or-unknown"),
                    Case("1 MB", {"name": MB}, "reject-or-unknown"))),
    Function("experiment_report", (Arg("experiment", "text", "ab"), Arg("attribution", "interval", OMIT)),
             role="admin",
             cases=(Case("null", {"experiment": None}), Case("unknown", {"experiment": "nope"}, "reject-or-unknown"),
                    Case("attribution -1 hour", {"attribution": "-1 hour"}),
                    Case("attribution infinity", {"attribution": "infinity"}))),
    Function("prune_impressions", (Arg("older_than", "interval", OMIT),), role="admin",
             cases=(Case("null", {"older_than": None}), Case("-1 day", {"older_than": "-1 day"}),
                    Case("1 hour", {"older_than": "1 hour"}), Case("infinity", {"older_than": "infinity"}))),
    Function("api_key_prefixes"),
    # Partitions and replication.
    Function("create_event_partitions", (Arg("from", "timestamptz", NOW.isoformat()),
                                         Arg("until", "timestamptz", NOW.isoformat())), role="admin",
             cases=(Case("null from", {"from": None}), Case("null until", {"until": None}),
                    Case("infinity", {"until": "infinity"}), Case("-infinity", {"from": "-infinity"}),
                    Case("until before from", {"from": (NOW + timedelta(days=90)).isoformat()}),
                    Case("200 years", {"until": (NOW + timedelta(days=366 * 200)).isoformat()}),
                    Case("not a time", {"from": "soon"}))),
    Function("replication", (Arg("standby_lsn", "pg_lsn", OMIT),), role="admin",
             cases=(Case("not an LSN", {"standby_lsn": "nope"}), Case("1 MB", {"standby_lsn": MB}),
                    Case("far ahead", {"standby_lsn": "FFFFFFFF/FFFFFFFF"}, "safe"))),
    # Monitoring the feeds.
    Function("feed_metrics", (Arg("window", "interval", OMIT), Arg("attribution", "interval", OMIT)), role="admin",
             cases=(Case("window null", {"window": None}), Case("window -1 hour", {"window": "-1 hour"}),
                    Case("window 59 minutes", {"window": "59 minutes"}), Case("window 1000 years", {"window": "1000 years"}),
                    Case("window infinity", {"window": "infinity"}), Case("attribution 0", {"attribution": "0"}),
                    Case("attribution 31 days", {"attribution": "31 days"}),
                    Case("attribution -infinity", {"attribution": "-infinity"}))),
    Function("score_distribution", (Arg("strategy", "text", OMIT, "strategy"), Arg("users", "integer", 3),
                                    Arg("n", "integer", 5), Arg("buckets", "integer", OMIT)), role="admin",
             cases=(Case("users 0", {"users": 0}), Case("users -1", {"users": -1}), Case("users 201", {"users": 201}),
                    Case("users int max", {"users": 2**31 - 1}), Case("users null", {"users": None}),
                    Case("n 0", {"n": 0}), Case("n 101", {"n": 101}), Case("buckets 0", {"buckets": 0}),
                    Case("buckets 51", {"buckets": 51}), Case("buckets null", {"buckets": None}))),
    Function("items", (Arg("item_ids", "text[]", ["py-intro", "py-web"]),),
             cases=(Case("null", {"item_ids": None}), Case("null element", {"item_ids": [None]}),
                    Case("empty element", {"item_ids": [""]}), Case("1 MB element", {"item_ids": [MB]}),
                    Case("50k ids", {"item_ids": [f"i{i}" for i in range(50_000)]}, "safe"))),
    # Re-ranking a caller's list, profiles, consent.
    Function("rank", (Arg("user_id", "text", "ana", "optional id"), Arg("item_ids", "text[]", ["py-web", "nope"], "rank items"),
                      Arg("strategy", "text", OMIT, "strategy"), Arg("filter", "jsonb", OMIT, "filter"))),
    Function("profile", (Arg("user_id", "text", "ana", "id"),)),
    Function("profile_history", (Arg("user_id", "text", "ana", "id"), Arg("n", "integer", 5, "n"),
                                 Arg("before", "bigint", OMIT)),
             cases=(Case("before -1", {"before": -1}, "safe"), Case("before max", {"before": 2**63 - 1}, "safe"))),
    Function("recommendation_types"),
    Function("upsert_consents", (Arg("consents", "jsonb", js([CONSENT])),),
             cases=batch_cases(CONSENT, CONSENT_OVERRIDES, 10_000, "user_id")),
    Function("consents", (Arg("user_id", "text", "ana", "id"),)),
    # Learning.
    Function("upsert_paths", (Arg("paths", "jsonb", js([PATH])),),
             cases=batch_cases(PATH, PATH_OVERRIDES, 1000, "id")),
    Function("paths"),
    Function("path_progress", (Arg("user_id", "text", "ana", "id"), Arg("path_id", "text", "seed-path", "id")),
             cases=(Case("unknown path", {"path_id": "nope"}, "reject-or-unknown"),)),
    Function("recommended_difficulty", (Arg("user_id", "text", "ana", "id"),)),
    Function("achievements", (Arg("user_id", "text", "ana", "id"),)),
    Function("claim_achievement", (Arg("user_id", "text", "ana", "id"), Arg("achievement", "text", "ten_lessons", "id")),
             cases=(Case("unknown achievement", {"achievement": "nope"}, "reject-or-unknown"),
                    Case("not unlocked", {"achievement": "ten_lessons"}),
                    Case("unknown user", {"user_id": "bad-input-none"}))),
    # Analytics and the audit log (admin).
    Function("analytics", (Arg("period", "text", "7d"), Arg("metric", "text", OMIT)), role="admin",
             cases=(Case("null period", {"period": None}), Case("unknown period", {"period": "2d"}),
                    Case("1 MB period", {"period": MB}), Case("unknown metric", {"metric": "nope"}),
                    Case("1 MB metric", {"metric": MB}))),
    Function("audit_log", (Arg("user_id", "text", "ana", "optional id"), Arg("since", "timestamptz", OMIT),
                           Arg("n", "integer", 5, "n")), role="admin",
             cases=(Case("since infinity", {"since": "infinity"}), Case("since -infinity", {"since": "-infinity"}))),
]}


def all_cases() -> Iterator[tuple[str, Function, Case]]:
    for function in FUNCTIONS.values():
        for arg in function.args:
            for label, value, expect in BAD_VALUES.get(arg.kind or "", []):
                yield f"{function.name}: {arg.name} {label}", function, Case(label, {arg.name: value}, expect)
        for case in function.cases:
            yield f"{function.name}: {case.label}", function, case


CASES = list(all_cases())


def statement(function: Function, case: Case) -> tuple[sql.Composed, dict[str, Any]]:
    values: dict[str, Any] = {}
    for arg in function.args:
        value = case.values.get("@batch", arg.good) if arg.type == "jsonb" and "@batch" in case.values \
            else case.values.get(arg.name, arg.good)
        if value is not OMIT:
            values[arg.name] = value
    types = {a.name: a.type for a in function.args}
    arguments = sql.SQL(", ").join(
        sql.SQL("{} => {}::{}").format(sql.Identifier(name), sql.Placeholder(name), sql.SQL(types[name]))
        for name in values)
    return sql.SQL("SELECT * FROM rec.{}({})").format(sql.Identifier(function.name), arguments), values


# --- the database the suite poisons --------------------------------------------------------

SEED_ITEMS = [{"id": "py-intro", "title": "Python for beginners", "tags": ["tool:python", "category:programming"],
               "location": {"lat": 52.52, "lon": 13.40}},
              {"id": "py-web", "title": "Web apps with Python", "tags": ["tool:python", "category:web"]},
              {"id": "figma", "title": "Figma colors", "tags": ["tool:figma", "category:design"]}]
SEED_EVENTS = [{"event_id": f"seed-{i}", "user_id": u, "item_id": item, "type": t, **extra}
               for i, (u, item, t, extra) in enumerate([
                   ("ana", "py-intro", "like", {}), ("ben", "py-intro", "like", {}), ("ben", "py-web", "save", {}),
                   ("cid", "figma", "rate", {"value": 4}), ("cid", "py-web", "view", {})])]
COUNTED = ("items", "users", "events", "user_tags", "tags", "rules", "api_keys", "onboarding_answers", "consents",
           "learning_paths", "path_modules", "achievement_claims", "follows")


@dataclass
class Target:
    url: str
    urls: dict[str, str]
    baseline: dict[str, int] = field(default_factory=dict)
    connections: dict[str, psycopg.Connection] = field(default_factory=dict)

    def connection(self, role: str) -> psycopg.Connection:
        conn = self.connections.get(role)
        if conn is None or conn.closed or conn.broken:
            conn = psycopg.connect(self.urls[role], autocommit=True)
            configure(conn)
            # A bad input must be refused, not computed for long.
            conn.execute("SET statement_timeout = '20s'")
            self.connections[role] = conn
        return conn

    def counts(self) -> dict[str, int]:
        with psycopg.connect(self.url) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM pgrec.{t}").fetchone()[0] for t in COUNTED}


@pytest.fixture(scope="module")
def target(server_url: str, template_url: str) -> Iterator[Target]:
    login_role(server_url, APP_ROLE, "pgrec_app")
    login_role(server_url, ADMIN_ROLE, "pgrec_admin")
    name = "pgrec_test_bad_input"
    template = psycopg.conninfo.conninfo_to_dict(template_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    url = with_database(server_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT rec.upsert_items(%s::jsonb)", (js(SEED_ITEMS),))
        conn.execute("SELECT rec.upsert_users('[{\"id\": \"ana\"}, {\"id\": \"ben\"}]')")
        conn.execute("SELECT rec.track(%s::jsonb)", (js(SEED_EVENTS),))
        conn.execute("SELECT rec.upsert_rules(%s::jsonb)", (js([{"name": "seed-rule", "boost": 0.1,
                                                                  "tag": "tool:python"}]),))
        conn.execute("SELECT * FROM rec.refresh()")
        conn.execute("SELECT rec.upsert_experiment(%s::jsonb)", (js({"name": "ab", "variants": [
            {"name": "control", "strategy": "default", "share": 0.5},
            {"name": "explore", "strategy": "explore", "share": 0.5}]}),))
        conn.execute("SELECT rec.upsert_paths(%s::jsonb)", (js([{"id": "seed-path", "modules": ["py-intro", "py-web"]}]),))
    t = Target(url, {"app": as_role(url, APP_ROLE), "admin": as_role(url, ADMIN_ROLE)})
    t.baseline = t.counts()
    yield t
    for conn in t.connections.values():
        conn.close()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- the suite -----------------------------------------------------------------------------

def test_every_public_function_is_covered(target: Target) -> None:
    with psycopg.connect(target.url) as conn:
        catalog = {name: list(args or []) for name, args in conn.execute("""
            SELECT p.proname, (SELECT array_agg(n ORDER BY i) FROM unnest(p.proargnames, p.proargmodes) WITH ORDINALITY
                               AS a(n, m, i) WHERE coalesce(m, 'i') IN ('i', 'b'))
            FROM pg_proc p WHERE p.pronamespace = 'rec'::regnamespace AND p.proname NOT LIKE '\\_%%'""")}
        # Functions without OUT arguments have proargmodes NULL: unnest then yields no modes.
        for name, args in conn.execute("""
                SELECT p.proname, p.proargnames FROM pg_proc p
                WHERE p.pronamespace = 'rec'::regnamespace AND p.proname NOT LIKE '\\_%%' AND p.proargmodes IS NULL"""):
            catalog[name] = list(args or [])
    assert set(catalog) == set(FUNCTIONS), (
        f"public functions without bad-input cases: {sorted(set(catalog) - set(FUNCTIONS))}; "
        f"cases for functions that do not exist: {sorted(set(FUNCTIONS) - set(catalog))}")
    differ = {name: (catalog[name], [a.name for a in f.args]) for name, f in FUNCTIONS.items()
              if catalog[name] != [a.name for a in f.args]}
    assert not differ, f"arguments changed (catalog, suite): {differ}"


def test_good_arguments_are_accepted(target: Target) -> None:
    """The baseline each case spoils: every function with its good arguments works, so a
    rejection below is about the bad value and nothing else."""
    failures = []
    for function in FUNCTIONS.values():
        if function.name in {"refresh", "forget_user", "unforget_user", "create_api_key", "revoke_api_key",
                             "log_job_run", "lock_step", "unlock_step", "upsert_items", "upsert_users", "track",
                             "upsert_rules", "submit_onboarding", "clear_model", "store_neighbors",
                             "store_user_candidates", "store_factors", "record_model_fit", "set_model_parameters",
                             "store_tuned_strategy", "replay_split", "log_impressions", "upsert_experiment",
                             "end_experiment", "prune_impressions", "upsert_consents", "upsert_paths",
                             "claim_achievement", "follow", "unfollow"}:
            continue  # writes: their good call would change the counts the last test compares
        query, params = statement(function, Case("good", {}))
        conn = target.connection(function.role)
        try:
            conn.execute(query, params).fetchall()
        except psycopg.Error as exc:
            failures.append(f"{function.name}: {exc.sqlstate} {exc}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("label", "function", "case"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(target: Target, label: str, function: Function, case: Case) -> None:
    query, params = statement(function, case)
    conn = target.connection(function.role)
    try:
        rows = conn.execute(query, params).fetchall()
    except psycopg.Error as exc:
        state = exc.sqlstate or "client"
        ok = state.startswith("22") or (state == "P0002" and case.expect in ("reject-or-unknown", "safe"))
        assert ok and case.expect != "empty", f"{label}: raised {state} ({type(exc).__name__}: {str(exc)[:200]})"
        return
    assert case.expect in ("empty", "safe"), f"{label}: accepted ({str(rows)[:120]})"
    if case.expect == "empty":
        assert rows == [] or all(v is None for row in rows for v in row), f"{label}: returned {str(rows)[:120]}"


def test_nothing_was_stored(target: Target) -> None:
    assert target.counts() == target.baseline


def test_refresh_and_reads_still_work_afterwards(target: Target) -> None:
    """Whatever the bad calls left behind, the next refresh succeeds in every step and the
    read functions answer for everybody."""
    with psycopg.connect(target.url) as conn:
        # Steps the application runs (embeddings, models) are reported skipped by rec.refresh.
        in_python = {r[0] for r in conn.execute("SELECT step FROM pgrec.refresh_steps WHERE runner <> 'sql'")}
    with psycopg.connect(target.urls["admin"], autocommit=True) as conn:
        outcomes = {step: (outcome, rows) for step, outcome, rows, _ in conn.execute("SELECT * FROM rec.refresh()")}
        assert {s: o for s, (o, _) in outcomes.items() if o != "ok" and s not in in_python} == {}, outcomes
        for query in ("SELECT * FROM rec.trending()", "SELECT * FROM rec.trending(20, 0, '7 days')",
                      "SELECT * FROM rec.trending(20, 0, '1 hour')", "SELECT * FROM rec.latest()",
                      "SELECT * FROM rec.feed('ana')", "SELECT * FROM rec.feed('newcomer')",
                      "SELECT * FROM rec.similar_items('py-intro')", "SELECT * FROM rec.nearby(52.5, 13.4, 50)",
                      "SELECT * FROM rec.search('python')", "SELECT * FROM rec.next_items('ben')",
                      "SELECT * FROM rec.session_feed(ARRAY['py-intro'])", "SELECT * FROM rec.user_stats('ana')"):
            conn.execute(query).fetchall()
        assert conn.execute("SELECT count(*) FROM rec.latest(20)").fetchone()[0] >= 3
