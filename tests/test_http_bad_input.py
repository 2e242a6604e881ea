"""Bad input through the HTTP API: every answer a 4xx with the JSON error body, never a 5xx,
and nothing stored. The values are those of tests/test_bad_input.py, sent the ways HTTP
clients send them: query strings, path segments and JSON bodies (where NUL and lone
surrogates arrive as ``\\u0000`` / ``\\ud800`` escapes or raw bytes)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from litestar.testing import TestClient

from tests.helpers import ApiDatabase, api_client

MB = "x" * (1 << 20)
# Query strings and paths cannot carry a megabyte (clients and servers cap URLs near 64 KB);
# 20 KB is far beyond every limit and still a URL.
LONG = "x" * 20_000


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


_EVENT_IDS = iter(range(1_000_000))


def event(**override: Any) -> list[dict[str, Any]]:
    return [{"event_id": f"http-bad-{next(_EVENT_IDS)}", "user_id": "ana", "item_id": "py-web", "type": "like",
             **override}]


# (label, method, path, query params, JSON body (object) or raw body (str/bytes))
CASES: list[tuple[str, str, str, dict[str, Any] | None, Any]] = [
    ("n NaN", "GET", "/v1/trending", {"n": "NaN"}, None),
    ("n huge", "GET", "/v1/trending", {"n": "99999999999999999999"}, None),
    ("n 0", "GET", "/v1/latest", {"n": "0"}, None),
    ("n -1", "GET", "/v1/latest", {"n": "-1"}, None),
    ("offset huge", "GET", "/v1/users/ana/feed", {"offset": str(2**31 - 1)}, None),
    ("offset -1", "GET", "/v1/users/ana/feed", {"offset": "-1"}, None),
    ("window -infinity", "GET", "/v1/trending", {"window": "-infinity"}, None),
    ("window 1000 years", "GET", "/v1/trending", {"window": "1000 years"}, None),
    ("window garbage", "GET", "/v1/trending", {"window": "yesterday"}, None),
    ("tags 2000", "GET", "/v1/latest", {"tags": [f"t{i}" for i in range(2000)]}, None),
    ("tags 20 KB", "GET", "/v1/latest", {"tags": [LONG]}, None),
    ("lat NaN", "GET", "/v1/nearby", {"lat": "NaN", "lon": "0"}, None),
    ("lat Infinity", "GET", "/v1/nearby", {"lat": "Infinity", "lon": "0"}, None),
    ("lat 1e308", "GET", "/v1/nearby", {"lat": "1e308", "lon": "0"}, None),
    ("lon -Infinity", "GET", "/v1/nearby", {"lat": "0", "lon": "-Infinity"}, None),
    ("radius NaN", "GET", "/v1/nearby", {"lat": "0", "lon": "0", "radius_km": "NaN"}, None),
    ("radius 0", "GET", "/v1/nearby", {"lat": "0", "lon": "0", "radius_km": "0"}, None),
    ("radius 1e308", "GET", "/v1/nearby", {"lat": "0", "lon": "0", "radius_km": "1e308"}, None),
    ("search 20 KB", "GET", "/v1/search", {"q": LONG}, None),
    ("search NUL", "GET", "/v1/search", {"q": "py\x00thon"}, None),
    ("search 40 terms", "GET", "/v1/search", {"q": " ".join(f"w{i}" for i in range(40))}, None),
    ("user id NUL", "GET", "/v1/users/a%00b/feed", None, None),
    ("strategy 20 KB", "GET", "/v1/users/ana/feed", {"strategy": LONG}, None),
    ("user id 20 KB", "GET", f"/v1/users/{LONG}/feed", None, None),
    ("weights NaN", "GET", "/v1/users/ana/feed", {"weights": '{"tags": "NaN"}'}, None),
    ("weights 1e308", "GET", "/v1/users/ana/feed", {"weights": '{"tags": 1e308}'}, None),
    ("weights nested 1000 deep", "GET", "/v1/users/ana/feed", {"weights": deep(1000)}, None),
    ("weights NUL", "GET", "/v1/users/ana/feed", {"weights": '{"tags\\u0000": 1}'}, None),
    ("similar 20 KB id", "GET", f"/v1/items/{LONG}/similar", None, None),
    ("session 50k ids", "POST", "/v1/sessions/feed", None, {"item_ids": [f"i{i}" for i in range(50_000)]}),
    ("session NUL id", "POST", "/v1/sessions/feed", None, '{"item_ids": ["py\\u0000"]}'),
    ("session n NaN", "POST", "/v1/sessions/feed", None, '{"item_ids": ["py-web"], "n": NaN}'),
    ("learning path 50k ids", "POST", "/v1/users/ana/learning-path", None, {"item_ids": [f"i{i}" for i in range(50_000)]}),
    ("items title 1 MB", "PUT", "/v1/items", None, [{"id": "http-bad-title", "title": MB}]),
    ("items 50k tags", "PUT", "/v1/items", None, [{"id": "http-bad-tags", "tags": [f"t{i}" for i in range(50_000)]}]),
    ("items price NaN", "PUT", "/v1/items", None, [{"id": "http-bad-price", "price": "NaN"}]),
    ("items price 1e308", "PUT", "/v1/items", None, [{"id": "http-bad-price2", "price": 1e308}]),
    ("items created yesterday", "PUT", "/v1/items", None, [{"id": "http-bad-created", "created_at": "yesterday"}]),
    ("items created -infinity", "PUT", "/v1/items", None, [{"id": "http-bad-created2", "created_at": "-infinity"}]),
    ("items created 1950", "PUT", "/v1/items", None, [{"id": "http-bad-created3", "created_at": "1950-01-01T00:00:00Z"}]),
    ("items NUL", "PUT", "/v1/items", None, '[{"id": "http-bad-\\u0000"}]'),
    ("items lone surrogate", "PUT", "/v1/items", None, '[{"id": "http-bad-\\ud800"}]'),
    ("items raw invalid UTF-8", "PUT", "/v1/items", None, b'[{"id": "http-bad-\xed\xa0\x80"}]'),
    ("items nested 1000 deep", "PUT", "/v1/items", None, deep(1000)),
    ("items attributes 1000 deep", "PUT", "/v1/items", None,
     '[{"id": "http-bad-attrs", "attributes": ' + '{"a":' * 1000 + "1" + "}" * 1000 + "}]"),
    ("users 50k preferred tags", "PUT", "/v1/users", None,
     [{"id": "http-bad-user", "preferences": {"preferred_tags": [f"t{i}" for i in range(50_000)]}}]),
    ("preferences distance 1e308", "PATCH", "/v1/users/ana/preferences", None, {"max_distance_km": 1e308}),
    ("preferences weight NaN", "PATCH", "/v1/users/ana/preferences", None, {"preferred_tags": {"x": "NaN"}}),
    ("events rate 3e38", "POST", "/v1/events", None, event(type="rate", value=3e38)),
    ("events rate 99", "POST", "/v1/events", None, event(type="rate", value=99)),
    ("events rate -1000", "POST", "/v1/events", None, event(type="rate", value=-1000)),
    ("events value NaN", "POST", "/v1/events", None, event(value="NaN")),
    ("events value 1e308", "POST", "/v1/events", None, event(value=1e308)),
    ("events at yesterday", "POST", "/v1/events", None, event(at="yesterday")),
    ("events at -infinity", "POST", "/v1/events", None, event(at="-infinity")),
    ("events at epoch number", "POST", "/v1/events", None, event(at=0)),
    ("events 50k", "POST", "/v1/events", None,
     [{"event_id": f"http-bad-many-{i}", "user_id": "ana", "item_id": "py-web", "type": "view"} for i in range(50_000)]),
    ("events context 1000 deep", "POST", "/v1/events", None,
     '[{"user_id": "ana", "item_id": "py-web", "type": "view", "context": ' + '{"a":' * 1000 + "1" + "}" * 1000 + "}]"),
    ("onboarding nested 1000 deep", "POST", "/v1/users/ana/onboarding", None, '{"a":' * 1000 + "1" + "}" * 1000),
    ("onboarding 1 MB option", "POST", "/v1/users/ana/onboarding", None, {"interests": [MB]}),
    ("refresh 20 KB", "POST", "/v1/admin/refresh", {"what": LONG}, None),
    ("refresh NUL", "POST", "/v1/admin/refresh", {"what": "st\x00ats"}, None),
    ("export 20 KB id", "GET", f"/v1/users/{LONG}/export", None, None),
    ("forget NUL id", "DELETE", "/v1/users/a%00b", None, None),
    # The content filter, recommendation types and query expansion on the lists.
    ("feed filter not JSON", "GET", "/v1/users/ana/feed", {"filter": "{tags_any"}, None),
    ("feed filter unknown key", "GET", "/v1/users/ana/feed", {"filter": '{"nope": 1}'}, None),
    ("feed filter 1000 deep", "GET", "/v1/users/ana/feed", {"filter": deep(1000)}, None),
    ("feed filter unknown operator", "GET", "/v1/users/ana/feed", {"filter": '{"attributes": {"level": {"like": 1}}}'},
     None),
    ("feed type unknown", "GET", "/v1/users/ana/feed", {"type": "astrology"}, None),
    ("feed type and strategy", "GET", "/v1/users/ana/feed", {"type": "trending", "strategy": "default"}, None),
    ("trending filter 51 tags", "GET", "/v1/trending", {"filter": '{"tags_any": [' + ", ".join(f'"t{i}"' for i in range(51)) + "]}"},
     None),
    ("latest filter NUL", "GET", "/v1/latest", {"filter": '{"tags_any": ["a\\u0000"]}'}, None),
    ("nearby filter an array", "GET", "/v1/nearby", {"lat": "52.5", "lon": "13.4", "filter": "[1]"}, None),
    ("search expand not a boolean", "GET", "/v1/search", {"q": "python", "expand": "sometimes"}, None),
    ("search filter price NaN", "GET", "/v1/search", {"q": "python", "filter": '{"price": {"lt": "NaN"}}'}, None),
    ("session filter a string", "POST", "/v1/sessions/feed", None, {"item_ids": ["py-web"], "filter": "x"}),
    # Re-ranking a caller's list.
    ("rank 10k ids", "POST", "/v1/users/ana/rank", None, {"item_ids": [f"i{i}" for i in range(10_000)]}),
    ("rank 1001 ids", "POST", "/v1/users/ana/rank", None, {"item_ids": [f"i{i}" for i in range(1001)]}),
    ("rank null id", "POST", "/v1/users/ana/rank", None, '{"item_ids": [null]}'),
    ("rank NUL id", "POST", "/v1/users/ana/rank", None, '{"item_ids": ["py\\u0000"]}'),
    ("rank no ids", "POST", "/v1/users/ana/rank", None, {}),
    ("rank filter unknown key", "POST", "/v1/users/ana/rank", None, {"item_ids": ["py-web"], "filter": {"nope": 1}}),
    ("rank unknown strategy", "POST", "/v1/users/ana/rank", None, {"item_ids": ["py-web"], "strategy": "nope"}),
    ("rank 20 KB user id", "POST", f"/v1/users/{LONG}/rank", None, {"item_ids": ["py-web"]}),
    # Profiles and consent.
    ("profile 20 KB id", "GET", f"/v1/users/{LONG}/profile", None, None),
    ("profile NUL id", "GET", "/v1/users/a%00b/profile", None, None),
    ("profile history n 0", "GET", "/v1/users/ana/profile/history", {"n": "0"}, None),
    ("profile history n huge", "GET", "/v1/users/ana/profile/history", {"n": "99999999999999999999"}, None),
    ("profile history before NaN", "GET", "/v1/users/ana/profile/history", {"before": "NaN"}, None),
    ("consents NUL id", "GET", "/v1/users/a%00b/consents", None, None),
    ("consent unknown purpose", "PUT", "/v1/consents", None, [{"user_id": "ana", "purpose": "marketing", "granted": True}]),
    ("consent granted a string", "PUT", "/v1/consents", None, [{"user_id": "ana", "purpose": "analytics", "granted": "no"}]),
    ("consent at -infinity", "PUT", "/v1/consents", None,
     [{"user_id": "ana", "purpose": "analytics", "granted": False, "at": "-infinity"}]),
    ("consents 50k", "PUT", "/v1/consents", None,
     [{"user_id": f"u{i}", "purpose": "analytics", "granted": False} for i in range(50_000)]),
    ("consents an object", "PUT", "/v1/consents", None, {"user_id": "ana"}),
    # Learning.
    ("paths unknown module", "PUT", "/v1/paths", None, [{"id": "http-bad-path", "modules": ["ghost"]}]),
    ("paths no modules", "PUT", "/v1/paths", None, [{"id": "http-bad-path2"}]),
    ("paths 201 modules", "PUT", "/v1/paths", None, [{"id": "http-bad-path3", "modules": ["py-web"] * 201}]),
    ("paths module twice", "PUT", "/v1/paths", None, [{"id": "http-bad-path4", "modules": ["py-web", "py-web"]}]),
    ("paths 1000 deep", "PUT", "/v1/paths", None, deep(1000)),
    ("progress unknown path", "GET", "/v1/users/ana/paths/no-such-path/progress", None, None),
    ("progress 20 KB path", "GET", f"/v1/users/ana/paths/{LONG}/progress", None, None),
    ("difficulty NUL id", "GET", "/v1/users/a%00b/difficulty", None, None),
    ("achievements 20 KB id", "GET", f"/v1/users/{LONG}/achievements", None, None),
    ("claim unknown achievement", "POST", "/v1/users/ana/achievements/no-such/claim", None, None),
    ("claim locked achievement", "POST", "/v1/users/ana/achievements/streak_30/claim", None, None),
    # Analytics and the audit log.
    ("analytics unknown period", "GET", "/v1/admin/analytics", {"period": "2d"}, None),
    ("analytics unknown metric", "GET", "/v1/admin/analytics", {"metric": "revenue"}, None),
    ("analytics 20 KB period", "GET", "/v1/admin/analytics", {"period": LONG}, None),
    ("audit log n 0", "GET", "/v1/admin/audit-log", {"n": "0"}, None),
    ("audit log since garbage", "GET", "/v1/admin/audit-log", {"since": "yesterday"}, None),
    ("audit log 20 KB user", "GET", "/v1/admin/audit-log", {"user_id": LONG}, None),
]


@pytest.fixture(scope="module")
def client(api_db: ApiDatabase) -> Iterator[TestClient]:
    # The admin login role, so the refresh endpoint answers from the SQL rather than with 403.
    with api_client(api_db.admin_url) as c:
        yield c


@pytest.fixture(scope="module")
def stored_before(api_db: ApiDatabase) -> dict[str, int]:
    return stored(api_db)


def stored(api_db: ApiDatabase) -> dict[str, int]:
    return {t: api_db.sql(f"SELECT count(*) FROM pgrec.{t}")[0][0] for t in ("items", "users", "events", "user_tags", "consents",
                                                                               "learning_paths", "achievement_claims")}


@pytest.mark.parametrize(("label", "method", "path", "params", "body"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_4xx(api_db: ApiDatabase, client: TestClient, stored_before: dict[str, int], label: str,
                            method: str, path: str, params: dict[str, Any] | None, body: Any) -> None:
    headers = api_db.bearer("all")
    if isinstance(body, (str, bytes)):
        response = client.request(method, path, params=params, content=body,
                                  headers={**headers, "Content-Type": "application/json"})
    else:
        response = client.request(method, path, params=params, json=body, headers=headers)
    assert 400 <= response.status_code < 500, f"{label}: {response.status_code} {response.text[:300]}"
    error = response.json()["error"]
    assert error["status"] == response.status_code and error["request_id"]


def test_nothing_was_stored(api_db: ApiDatabase, stored_before: dict[str, int]) -> None:
    assert stored(api_db) == stored_before


def test_refresh_still_works_afterwards(api_db: ApiDatabase, client: TestClient) -> None:
    response = client.post("/v1/admin/refresh", headers=api_db.bearer("all"))
    assert response.status_code == 200
    in_python = {r[0] for r in api_db.sql("SELECT step FROM pgrec.refresh_steps WHERE runner <> 'sql'")}
    assert {s["step"]: s["outcome"] for s in response.json()["steps"]
            if s["outcome"] != "ok" and s["step"] not in in_python} == {}
    for path in ("/v1/trending", "/v1/latest", "/v1/users/ana/feed", "/v1/trending?window=7%20days"):
        assert client.get(path, headers=api_db.bearer("all")).status_code == 200, path
