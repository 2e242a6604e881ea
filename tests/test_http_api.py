"""HTTP API through Litestar's test client: every endpoint's success path, auth (401/403),
validation errors, not found, the SQLSTATE mapping, limits, request ids and metrics.

The app connects as a login role that is only a member of pgrec_app (it can EXECUTE rec
functions, not read pgrec tables); operations tests use a pgrec_admin member.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterator

import psycopg
import pytest
from litestar.testing import TestClient

from app.api.errors import field_of, status_for_sqlstate

from tests.helpers import ApiDatabase, api_client


@pytest.fixture(scope="module")
def client(api_db: ApiDatabase) -> Iterator[TestClient]:
    with api_client(api_db.app_url) as c:
        yield c


@pytest.fixture(scope="module")
def admin_client(api_db: ApiDatabase) -> Iterator[TestClient]:
    with api_client(api_db.admin_url) as c:
        yield c


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The error body, after checking the status and the consistent shape."""
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    assert isinstance(body["message"], str) and body["message"]
    return body


def all_items(api_db: ApiDatabase) -> set[str]:
    """Seeded items plus those other tests of the module created."""
    return {r[0] for r in api_db.sql("SELECT external_id FROM pgrec.items")}


def ranked_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    for item in items:
        assert set(item) == {"item_id", "score", "reasons"}
        assert isinstance(item["score"], float)
    return [item["item_id"] for item in items]


# --- the role the API runs as ----------------------------------------------------------------

def test_api_role_cannot_read_tables(api_db: ApiDatabase, client: TestClient) -> None:
    with psycopg.connect(api_db.app_url, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "pgrec_http_test_app"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM pgrec.items")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM pgrec.api_keys")
    # ...and yet the API connected as that role serves feeds and takes writes.
    assert ranked_ids(client.get("/v1/users/ana/feed", headers=api_db.bearer("reader")))
    assert client.put("/v1/items", json=[{"id": "role-check"}], headers=api_db.bearer("writer")).json() == {"written": 1}


def test_api_connections_keep_pgoptions(api_db: ApiDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API sets its own statement timeout through ``options``, which makes libpq ignore
    PGOPTIONS; a replay clock given there (as every other client takes it) must still reach
    the API's sessions, and options in the URL win over it, as in libpq."""
    from app.api.db import api_conninfo
    from app.settings import Settings

    monkeypatch.setenv("PGOPTIONS", "-c rec.as_of=2026-01-02T03:04:05+00")
    settings = Settings()
    with psycopg.connect(api_conninfo(settings, api_db.app_url), autocommit=True) as conn:
        assert conn.execute("SELECT rec.now() = '2026-01-02T03:04:05+00'").fetchone()[0]
        assert conn.execute("SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout'"
                            ).fetchone()[0] == settings.api_statement_timeout_ms
    url = psycopg.conninfo.make_conninfo(api_db.app_url, options="-c rec.pools=off")
    with psycopg.connect(api_conninfo(settings, url), autocommit=True) as conn:
        assert conn.execute("SELECT current_setting('rec.as_of', true), current_setting('rec.pools', true)"
                            ).fetchone() in {("", "off"), (None, "off")}


def test_admin_endpoint_needs_an_admin_database_role(api_db: ApiDatabase, client: TestClient,
                                                     admin_client: TestClient) -> None:
    body = error_of(client.post("/v1/admin/refresh", headers=api_db.bearer("admin")), 403)
    assert body["code"] == "42501"
    response = admin_client.post("/v1/admin/refresh", params={"what": "stats"}, headers=api_db.bearer("admin"))
    assert response.status_code == 200, response.text
    assert [(s["step"], s["outcome"]) for s in response.json()["steps"]] == [("stats", "ok")]
    body = error_of(admin_client.post("/v1/admin/refresh", params={"what": "nope"}, headers=api_db.bearer("admin")), 422)
    assert body["code"] == "22023"


# --- operations ------------------------------------------------------------------------------

def test_health_and_readiness(api_db: ApiDatabase, client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    from app.api.routes.ops import expected_installation

    assert set(ready.json()["revisions"]) == expected_installation()[0]
    api_db.sql("UPDATE pgrec.meta SET value = 'stale' WHERE key = 'api_checksum'")
    try:
        body = error_of(client.get("/readyz"), 503)
        assert body["code"] == "not_ready"
    finally:
        api_db.sql("UPDATE pgrec.meta SET value = %s WHERE key = 'api_checksum'", (expected_installation()[1],))


def test_openapi_document(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    paths = set(schema["paths"])
    for path in ["/v1/users/{user_id}/feed", "/v1/trending", "/v1/latest", "/v1/items/{item_id}/similar",
                 "/v1/nearby", "/v1/search", "/v1/users/{user_id}/next", "/v1/sessions/feed",
                 "/v1/users/{user_id}/items/{item_id}/explain", "/v1/items", "/v1/users", "/v1/events",
                 "/v1/users/{user_id}/preferences", "/v1/onboarding/questions", "/v1/users/{user_id}/onboarding",
                 "/v1/users/{user_id}/status", "/v1/users/{user_id}", "/v1/users/{user_id}/export",
                 "/healthz", "/readyz", "/metrics", "/v1/admin/refresh"]:
        assert path in paths
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_metrics(api_db: ApiDatabase, client: TestClient) -> None:
    for _ in range(3):
        client.get("/v1/users/ana/feed", headers=api_db.bearer("reader"))
    client.get("/v1/users/ana/feed", params={"n": 0}, headers=api_db.bearer("reader"))
    error_of(client.get("/metrics"), 401)  # a scrape queries the database: admin keys only
    error_of(client.get("/metrics", headers=api_db.bearer("reader")), 403)
    text = client.get("/metrics", headers=api_db.bearer("admin")).text
    route = 'route="/v1/users/{user_id}/feed"'
    count = re.search(r'pgrec_http_requests_total\{method="GET",' + re.escape(route) + r',status="200"\} (\d+)', text)
    assert count and float(count.group(1)) >= 3
    assert re.search(r'pgrec_http_requests_total\{method="GET",' + re.escape(route) + r',status="422"\} 1', text)
    assert re.search(r'pgrec_http_request_duration_seconds_bucket\{le="0\.05",method="GET",' + re.escape(route), text)
    assert re.search(r'pgrec_db_pool_connections\{state="max"\} \d+', text)
    assert "pgrec_db_up 1.0" in text
    age = re.search(r'pgrec_refresh_age_seconds\{step="stats"\} ([-\d.e+]+)', text)
    assert age and 0 <= float(age.group(1)) < 3600  # seeded databases were refreshed just now


def test_request_id_and_structured_log(api_db: ApiDatabase, client: TestClient,
                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pgrec.api"):
        response = client.get("/v1/users/ana/feed", headers={**api_db.bearer("reader"), "X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    lines = [r for r in caplog.records if r.getMessage() == "request" and r.fields["request_id"] == "trace-42"]
    assert len(lines) == 1
    fields = lines[0].fields
    assert fields["status"] == 200 and fields["route"] == "/v1/users/{user_id}/feed"
    assert fields["key"] == "reader" and fields["duration_ms"] > 0
    # An id that could forge log lines is replaced.
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\twith tab"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


# --- authentication and scopes -----------------------------------------------------------------

def test_missing_invalid_and_revoked_keys_are_401(api_db: ApiDatabase, client: TestClient) -> None:
    response = client.get("/v1/users/ana/feed")
    assert error_of(response, 401)["code"] == "unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")
    error_of(client.get("/v1/users/ana/feed", headers={"Authorization": "Bearer nonsense"}), 401)
    error_of(client.get("/v1/users/ana/feed", headers={"Authorization": "Basic dXNlcjpwdw=="}), 401)
    forged = api_db.keys["reader"][:-4] + "0000"
    error_of(client.get("/v1/users/ana/feed", headers={"Authorization": f"Bearer {forged}"}), 401)
    secret = api_db.sql("SELECT secret FROM rec.create_api_key('short-lived', ARRAY['read'])")[0][0]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/users/ana/feed", headers=headers).status_code == 200
    api_db.sql("SELECT rec.revoke_api_key('short-lived')")
    error_of(client.get("/v1/users/ana/feed", headers=headers), 401)


# Every endpoint that needs a key, with the scope it needs and a well-formed request.
GUARDED = [
    ("GET", "/v1/users/ana/feed", "read", None),
    ("GET", "/v1/trending", "read", None),
    ("GET", "/v1/latest", "read", None),
    ("GET", "/v1/items/py-intro/similar", "read", None),
    ("GET", "/v1/nearby?lat=52.5&lon=13.4", "read", None),
    ("GET", "/v1/search?q=python", "read", None),
    ("GET", "/v1/users/ana/next", "read", None),
    ("POST", "/v1/sessions/feed", "read", {"item_ids": ["py-intro"]}),
    ("POST", "/v1/users/ana/learning-path", "read", {"item_ids": ["py-web"]}),
    ("GET", "/v1/users/ana/items/py-web/explain", "read", None),
    ("GET", "/v1/users/ana/status", "read", None),
    ("GET", "/v1/users/ana/stats", "read", None),
    ("GET", "/v1/onboarding/questions", "read", None),
    ("GET", "/v1/strategies", "read", None),
    ("POST", "/v1/items/lookup", "read", {"item_ids": ["py-web"]}),
    ("GET", "/v1/users/ana/follows", "read", None),
    ("PUT", "/v1/items", "write", [{"id": "x"}]),
    ("PUT", "/v1/users", "write", [{"id": "x"}]),
    ("POST", "/v1/events", "write", []),
    ("PATCH", "/v1/users/ana/preferences", "write", {}),
    ("POST", "/v1/users/ana/onboarding", "write", {}),
    ("POST", "/v1/follows", "write", []),
    ("POST", "/v1/unfollows", "write", []),
    ("PUT", "/v1/users/ana/follows/ben", "write", None),
    ("DELETE", "/v1/users/ana/follows/ben", "write", None),
    ("DELETE", "/v1/users/ana", "write", None),
    ("GET", "/v1/users/ana/export", "write", None),
    ("GET", "/v1/users/ana/export/events", "write", None),
    ("POST", "/v1/admin/refresh", "admin", None),
    ("GET", "/v1/admin/refresh-steps", "admin", None),
    ("GET", "/v1/admin/embeddings", "admin", None),
    ("GET", "/v1/admin/activity", "admin", None),
    ("GET", "/v1/admin/latency", "admin", None),
    ("GET", "/v1/admin/replica", "admin", None),
    ("GET", "/v1/admin/feed-metrics", "admin", None),
    ("GET", "/v1/admin/score-distribution?users=2&n=3", "admin", None),
    ("POST", "/v1/impressions", "write", {"request_id": "r-guarded", "user_id": "ana", "items": ["py-intro"]}),
    ("GET", "/v1/experiments", "admin", None),
    ("PUT", "/v1/experiments/ab_test", "admin", {}),
    ("POST", "/v1/experiments/ab_test/end", "admin", None),
    ("GET", "/v1/experiments/ab_test/report", "admin", None),
    ("GET", "/v1/experiments/ab_test/assignment?user_id=ana", "read", None),
    ("POST", "/v1/impressions", "write", {}),
    ("POST", "/v1/users/ana/rank", "read", {"item_ids": ["py-web"]}),
    ("GET", "/v1/recommendation-types", "read", None),
    ("GET", "/v1/users/ana/profile", "write", None),
    ("GET", "/v1/users/ana/profile/history", "write", None),
    ("GET", "/v1/users/ana/consents", "write", None),
    ("PUT", "/v1/consents", "write", []),
    ("PUT", "/v1/paths", "write", []),
    ("GET", "/v1/paths", "read", None),
    ("GET", "/v1/users/ana/paths/a_path/progress", "read", None),
    ("GET", "/v1/users/ana/difficulty", "read", None),
    ("GET", "/v1/users/ana/achievements", "read", None),
    ("POST", "/v1/users/ana/achievements/first_lesson/claim", "write", None),
    ("GET", "/v1/admin/analytics", "admin", None),
    ("GET", "/v1/admin/audit-log", "admin", None),
    ("GET", "/metrics", "admin", None),
]


def test_every_guarded_endpoint_is_listed(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    public = {("GET", "/healthz"), ("GET", "/readyz")}
    placeholders = {"ana": "/{user_id}", "py-intro": "/{item_id}", "py-web": "/{item_id}", "ab_test": "/{name}",
                    "a_path": "/{path_id}", "first_lesson": "/{achievement}", "ben": "/{creator_id}"}
    listed = {(m, re.sub(r"/(ana|py-intro|py-web|ab_test|a_path|first_lesson|ben)(?=/|$)", lambda x: placeholders[x.group(1)],
                         p.split("?")[0])) for m, p, _, _ in GUARDED}
    assert operations - public == listed


@pytest.mark.parametrize(("method", "path", "scope", "body"), GUARDED, ids=[f"{m} {p}" for m, p, _, _ in GUARDED])
def test_every_endpoint_needs_a_key_with_its_scope(api_db: ApiDatabase, client: TestClient, method: str, path: str,
                                                  scope: str, body: Any) -> None:
    assert error_of(client.request(method, path, json=body), 401)["code"] == "unauthorized"
    wrong = {"read": "writer", "write": "reader", "admin": "writer"}[scope]
    assert error_of(client.request(method, path, json=body, headers=api_db.bearer(wrong)), 403)["code"] == "forbidden"


@pytest.mark.parametrize(("key", "method", "path", "body"), [
    ("writer", "GET", "/v1/users/ana/feed", None),
    ("admin", "GET", "/v1/trending", None),
    ("reader", "PUT", "/v1/items", [{"id": "x"}]),
    ("reader", "POST", "/v1/events", []),
    ("reader", "PATCH", "/v1/users/ana/preferences", {}),
    ("reader", "DELETE", "/v1/users/ana", None),
    ("reader", "GET", "/v1/users/ana/export", None),
    ("writer", "POST", "/v1/admin/refresh", None),
])
def test_wrong_scope_is_403(api_db: ApiDatabase, client: TestClient, key: str, method: str, path: str,
                            body: Any) -> None:
    response = client.request(method, path, json=body, headers=api_db.bearer(key))
    assert error_of(response, 403)["code"] == "forbidden"


def test_public_reads_setting(api_db: ApiDatabase) -> None:
    with api_client(api_db.app_url, api_public_reads=True) as public:
        assert public.get("/v1/users/ana/feed").status_code == 200
        error_of(public.put("/v1/items", json=[{"id": "x"}]), 401)
        error_of(public.get("/v1/users/ana/export"), 401)  # personal data is never public


def test_key_cache_remembers_a_verified_key(api_db: ApiDatabase) -> None:
    secret = api_db.sql("SELECT secret FROM rec.create_api_key('cached', ARRAY['read'])")[0][0]
    headers = {"Authorization": f"Bearer {secret}"}
    with api_client(api_db.app_url, api_key_cache_seconds=3600) as cached:
        assert cached.get("/v1/users/ana/feed", headers=headers).status_code == 200
        api_db.sql("SELECT rec.revoke_api_key('cached')")
        # Within the cache time the key still works (documented); a fresh process refuses it.
        assert cached.get("/v1/users/ana/feed", headers=headers).status_code == 200
    with api_client(api_db.app_url, api_key_cache_seconds=3600) as fresh:
        error_of(fresh.get("/v1/users/ana/feed", headers=headers), 401)


def test_rate_limit_per_key(api_db: ApiDatabase) -> None:
    # One request per minute per key: the second request in a row is over the limit.
    with api_client(api_db.app_url, api_rate_limit=1) as limited:
        assert limited.get("/v1/users/ana/feed", headers=api_db.bearer("reader")).status_code == 200
        limited_response = limited.get("/v1/users/ana/feed", headers=api_db.bearer("reader"))
        assert error_of(limited_response, 429)["code"] == "rate_limited"
        assert 0 < int(limited_response.headers["retry-after"]) <= 60
        # Another key has its own budget; health checks are never limited.
        assert limited.get("/v1/users/ana/feed", headers=api_db.bearer("all")).status_code == 200
        assert all(limited.get("/healthz").status_code == 200 for _ in range(4))


def test_cors_is_configurable(api_db: ApiDatabase, client: TestClient) -> None:
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}
    assert "access-control-allow-origin" not in client.options("/v1/trending", headers=preflight).headers
    with api_client(api_db.app_url, api_cors_origins=("https://shop.example",)) as cors:
        response = cors.options("/v1/trending", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://shop.example"


# --- feeds and reads -----------------------------------------------------------------------------

def test_feed(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    ids = ranked_ids(client.get("/v1/users/ana/feed", params={"n": 3}, headers=headers))
    assert 1 <= len(ids) <= 3 and set(ids) <= all_items(api_db)
    assert "hidden-one" not in ids and "py-intro" not in ids  # hidden; already liked
    assert not {"figma-colors", "figma-proto"} & set(ids)  # blocked tag
    page = ranked_ids(client.get("/v1/users/ana/feed", params={"n": 1, "offset": 1}, headers=headers))
    assert page == ids[1:2]
    reasons = client.get("/v1/users/ana/feed", headers=headers).json()["items"][0]["reasons"]
    assert isinstance(reasons["terms"], dict) and isinstance(reasons["reasons"], list)
    assert ranked_ids(client.get("/v1/users/newcomer/feed", params={"strategy": "popular"}, headers=headers))


@pytest.mark.parametrize(("params", "field"), [({"n": 0}, "n"), ({"n": 501}, "n"), ({"offset": -1}, "offset"),
                                                ({"n": 2**40}, None)])
def test_feed_validation_is_422_with_field(api_db: ApiDatabase, client: TestClient, params: dict, field: str) -> None:
    body = error_of(client.get("/v1/users/ana/feed", params=params, headers=api_db.bearer("reader")), 422)
    assert body["code"].startswith("22")
    assert body.get("field") == field
    assert "SELECT" not in str(body) and "rec." not in body["message"]


def test_feed_validation_of_strategy_and_id(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    assert error_of(client.get("/v1/users/ana/feed", params={"strategy": "nope"}, headers=headers), 422)["code"] == "22023"
    body = error_of(client.get("/v1/users/" + "x" * 201 + "/feed", headers=headers), 422)
    assert body["field"] == "user_id"
    # Not parseable as an integer: rejected by the API before the database (400).
    error_of(client.get("/v1/users/ana/feed", params={"n": "many"}, headers=headers), 400)


def test_trending(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    ids = ranked_ids(client.get("/v1/trending", params={"n": 5, "window": "30 days"}, headers=headers))
    assert ids and set(ids) <= all_items(api_db) and "hidden-one" not in ids
    ranked_ids(client.get("/v1/trending", params={"user_id": "ana", "tags": ["tool:python", "tool:sql"]}, headers=headers))
    assert error_of(client.get("/v1/trending", params={"window": "soon"}, headers=headers), 422)["code"].startswith("22")
    assert error_of(client.get("/v1/trending", params={"n": 0}, headers=headers), 422)["field"] == "n"


def test_latest(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    ids = ranked_ids(client.get("/v1/latest", params={"n": 10}, headers=headers))
    assert set(ids) <= all_items(api_db) and "hidden-one" not in ids and len(ids) >= 5
    tagged = ranked_ids(client.get("/v1/latest", params={"tags": "tool:figma"}, headers=headers))
    assert set(tagged) == {"figma-colors", "figma-proto"}
    error_of(client.get("/v1/latest", params={"offset": -5}, headers=headers), 422)


def test_similar(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    ids = ranked_ids(client.get("/v1/items/py-intro/similar", params={"n": 5}, headers=headers))
    assert ids and "py-intro" not in ids and set(ids) <= all_items(api_db)
    ranked_ids(client.get("/v1/items/py-intro/similar", params={"user_id": "ana"}, headers=headers))
    assert error_of(client.get("/v1/items/no-such-item/similar", headers=headers), 404)["code"] == "P0002"


def test_nearby(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    ids = ranked_ids(client.get("/v1/nearby", params={"lat": 52.51, "lon": 13.41, "radius_km": 20}, headers=headers))
    assert set(ids) == {"py-intro", "py-web"}  # Paris and items without a location are out
    body = error_of(client.get("/v1/nearby", params={"lat": 123, "lon": 13.4}, headers=headers), 422)
    assert body["code"] == "22023"
    error_of(client.get("/v1/nearby", params={"lat": 52.5, "lon": 13.4, "radius_km": -1}, headers=headers), 422)
    error_of(client.get("/v1/nearby", params={"lon": 13.4}, headers=headers), 400)  # lat is required


def test_search(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    ids = ranked_ids(client.get("/v1/search", params={"q": "python"}, headers=headers))
    assert ids and ids[0] in {"py-intro", "py-web"} and "hidden-one" not in ids
    ranked_ids(client.get("/v1/search", params={"q": "figma prototypes", "user_id": "ana", "n": 3}, headers=headers))
    assert error_of(client.get("/v1/search", params={"q": "   "}, headers=headers), 422)["code"] == "22023"


class StubProvider:
    """Stands in for app.embeddings' provider: records the texts it embeds."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.texts += texts
        return [[1.0] + [0.0] * (self.dim - 1) for _ in texts]


def test_search_embeds_the_query_when_a_provider_exists(api_db: ApiDatabase) -> None:
    dim = api_db.sql("SELECT rec.embedding_dim()")[0][0]
    with api_client(api_db.app_url, api_embed_queries=True) as c:
        stub = StubProvider(dim)
        c.app.state.query_embedder.provider = stub
        response = c.get("/v1/search", params={"q": "python web"}, headers=api_db.bearer("reader"))
        assert response.status_code == 200, response.text
        assert response.json()["mode"] == "hybrid" and response.headers["x-search-mode"] == "hybrid"
        assert stub.texts == ["python web"]


def test_search_uses_the_installed_embeddings_provider(api_db: ApiDatabase) -> None:
    # The offline provider: deterministic, never the network.
    with api_client(api_db.app_url, api_embed_queries=True, embedding_provider="offline") as c:
        response = c.get("/v1/search", params={"q": "python"}, headers=api_db.bearer("reader"))
        ids = [item["item_id"] for item in response.json()["items"]]
        assert ids and ids[0] in {"py-intro", "py-web"} and response.json()["mode"] == "hybrid"
        provider = c.app.state.query_embedder.provider
        dim = api_db.sql("SELECT rec.embedding_dim()")[0][0]
        assert provider is not None and provider.dim == dim


def test_next_items(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    ids = ranked_ids(client.get("/v1/users/ana/next", params={"n": 5}, headers=headers))
    assert set(ids) <= all_items(api_db) and "py-intro" not in ids
    error_of(client.get("/v1/users/ana/next", params={"n": 0}, headers=headers), 422)


def test_session_feed(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    response = client.post("/v1/sessions/feed", json={"item_ids": ["py-intro"], "n": 5}, headers=headers)
    ids = ranked_ids(response)
    assert "py-intro" not in ids and set(ids) <= all_items(api_db)
    error_of(client.post("/v1/sessions/feed", json={"item_ids": ["py-intro"], "n": 0}, headers=headers), 422)
    error_of(client.post("/v1/sessions/feed", json={"items": []}, headers=headers), 400)


def test_learning_path(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    response = client.post("/v1/users/ana/learning-path", json={"item_ids": ["py-web", "sql-basics"]}, headers=headers)
    assert response.status_code == 200, response.text
    steps = response.json()["steps"]
    assert sorted(s["item_id"] for s in steps) == ["py-web", "sql-basics"]
    assert [s["step"] for s in steps] == sorted(s["step"] for s in steps)


def test_explain_status_stats_and_onboarding(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    explained = client.get("/v1/users/ana/items/py-web/explain", headers=headers)
    assert explained.status_code == 200, explained.text
    assert isinstance(explained.json(), dict) and explained.json()
    error_of(client.get("/v1/users/ana/items/no-such-item/explain", headers=headers), 404)
    status = client.get("/v1/users/ana/status", headers=headers)
    assert status.status_code == 200, status.text
    assert status.json()["user_id"] == "ana" and isinstance(status.json()["personalized"], bool)
    stats = client.get("/v1/users/ben/stats", headers=headers)
    assert stats.status_code == 200, stats.text
    assert stats.json()["events"] == 3
    questions = client.get("/v1/onboarding/questions", headers=headers)
    assert questions.status_code == 200, questions.text
    assert questions.json()["questions"], "onboarding questions are seeded"


def test_item_lookup(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    response = client.post("/v1/items/lookup", json={"item_ids": ["py-web", "no-such-item", "hidden-one"]},
                           headers=headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["item_id"] for i in items] == ["py-web", "hidden-one"]  # the order asked; unknown ids left out
    assert items[0]["title"] == "Web apps with Python" and items[0]["tags"] == ["category:web", "tool:python"]
    assert items[0]["location"] == {"lat": 52.5, "lon": 13.42} and items[0]["price"] == 20
    assert items[1]["status"] == "hidden"  # a lookup by id, not a list to show
    body = error_of(client.post("/v1/items/lookup", json={"item_ids": ["x"] * 1001}, headers=headers), 422)
    assert body["code"] == "22023" and body["field"] == "item_ids"


def test_lists_take_their_strategy(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("reader")
    for path, params in (("/v1/trending", {}), ("/v1/latest", {}), ("/v1/items/py-intro/similar", {}),
                         ("/v1/nearby", {"lat": 52.51, "lon": 13.41}), ("/v1/search", {"q": "python"}),
                         ("/v1/users/ana/next", {})):
        body = error_of(client.get(path, params={**params, "strategy": "no-such-strategy"}, headers=headers), 422)
        assert body["code"] == "22023" and "strategy" in body["message"], path
    assert ranked_ids(client.get("/v1/trending", params={"strategy": "trending", "window": "30 days"},
                                 headers=headers))
    response = client.post("/v1/sessions/feed", json={"item_ids": ["py-intro"], "strategy": "no-such-strategy"},
                           headers=headers)
    error_of(response, 422)
    strategies = client.get("/v1/strategies", headers=headers).json()["strategies"]
    assert {s["name"]: s["list"] for s in strategies}["trending"] == "trending"


# --- writes -----------------------------------------------------------------------------------

def test_upsert_items_and_users(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("writer")
    response = client.put("/v1/items", json=[{"id": "w-1", "title": "New thing", "tags": ["tool:rust"]},
                                             {"id": "w-2"}], headers=headers)
    assert response.json() == {"written": 2}
    assert api_db.sql("SELECT title FROM pgrec.items WHERE external_id = 'w-1'") == [("New thing",)]
    assert client.put("/v1/users", json=[{"id": "w-user", "attributes": {"plan": "pro"}}],
                      headers=headers).json() == {"written": 1}
    body = error_of(client.put("/v1/items", json=[{"id": "w-3"}, {"id": "w-4", "price": -1}], headers=headers), 422)
    assert body["code"] == "22023" and body["field"] == "items[1]" and "nothing in the batch" in body["detail"]
    assert api_db.sql("SELECT count(*) FROM pgrec.items WHERE external_id = 'w-3'") == [(0,)]
    error_of(client.put("/v1/items", json={"id": "not-an-array"}, headers=headers), 400)
    error_of(client.put("/v1/items", content=b"{not json", headers={**headers, "Content-Type": "application/json"}), 400)
    body = error_of(client.put("/v1/items", json=[{"id": "w-5", "titel": "typo"}], headers=headers), 422)
    assert body["field"] == "items[0]"


def test_track_events(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("writer")
    batch = [{"event_id": "http-1", "user_id": "fay", "item_id": "py-web", "type": "like"},
             {"event_id": "http-2", "user_id": "fay", "item_id": "sql-basics", "type": "view"}]
    assert client.post("/v1/events", json=batch, headers=headers).json() == {"new": 2, "received": 2}
    assert client.post("/v1/events", json=batch, headers=headers).json() == {"new": 0, "received": 2}
    body = error_of(client.post("/v1/events", json=[{"user_id": "fay", "item_id": "ghost", "type": "like"}],
                                headers=headers), 404)
    assert body["code"] == "P0002" and body["field"] == "events[0]"
    body = error_of(client.post("/v1/events", json=[{"user_id": "fay", "item_id": "py-web", "type": "teleport"}],
                                headers=headers), 422)
    assert body["field"] == "events[0]"
    null_id = error_of(client.post("/v1/events", json=[{"item_id": "py-web", "type": "like"}], headers=headers), 422)
    assert null_id["code"] == "22004"


def test_batch_and_body_limits(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("writer")
    too_many = [{"user_id": "u", "item_id": "py-web", "type": "view"}] * 10_001
    body = error_of(client.post("/v1/events", json=too_many, headers=headers), 422)
    assert body["field"] == "events" and "10000" in body["message"]
    with api_client(api_db.app_url, api_max_body_bytes=2_000) as small:
        big = [{"id": f"big-{i}", "title": "x" * 100} for i in range(50)]
        assert error_of(small.put("/v1/items", json=big, headers=headers), 413)["code"] == "payload_too_large"


def test_preferences_and_onboarding(api_db: ApiDatabase, client: TestClient) -> None:
    headers = api_db.bearer("all")
    response = client.patch("/v1/users/gus/preferences",
                            json={"preferred_tags": {"tool:sql": 3}, "max_distance_km": 25}, headers=headers)
    assert response.json() == {"written": 1}
    exported = client.get("/v1/users/gus/export", headers=headers).json()
    assert exported["user"]["preferences"]["preferred_tags"] == {"tool:sql": 3}
    assert exported["user"]["preferences"]["max_distance_km"] == 25
    body = error_of(client.patch("/v1/users/gus/preferences", json={"max_distance_km": -3}, headers=headers), 422)
    assert body["code"] == "22023"
    error_of(client.patch("/v1/users/gus/preferences", json={"favourite": 1}, headers=headers), 422)
    questions = client.get("/v1/onboarding/questions", headers=headers).json()["questions"]
    first = questions[0]
    option = first["options"][0]
    choice = option.get("value", option.get("id")) if isinstance(option, dict) else option
    answer = [choice] if first["multiple"] else choice
    response = client.post("/v1/users/gus/onboarding", json={first["question_id"]: answer}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["preferences_written"] >= 1
    error_of(client.post("/v1/users/gus/onboarding", json={"no-such-question": "x"}, headers=headers), 422)


# --- privacy ------------------------------------------------------------------------------------

def test_export_and_forget_user(api_db: ApiDatabase, client: TestClient, admin_client: TestClient) -> None:
    headers = api_db.bearer("all")
    client.post("/v1/events", json=[{"event_id": f"hal-{i}", "user_id": "hal", "item_id": "figma-proto",
                                      "type": "like"} for i in range(3)], headers=headers)
    admin_client.post("/v1/admin/refresh", params={"what": "stats"}, headers=headers)
    before = api_db.sql("SELECT s.events FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id "
                        "WHERE i.external_id = 'figma-proto'")[0][0]

    exported = client.get("/v1/users/hal/export", headers=headers)
    assert exported.status_code == 200
    assert exported.json()["user"]["id"] == "hal"
    assert [e["event_id"] for e in exported.json()["events"]] == ["hal-0", "hal-1", "hal-2"]

    page = client.get("/v1/users/hal/export/events", params={"n": 2}, headers=headers)
    assert page.status_code == 200, page.text
    first = page.json()["events"]
    assert [e["event"]["event_id"] for e in first] == ["hal-0", "hal-1"]
    rest = client.get("/v1/users/hal/export/events", params={"after": first[-1]["cursor"]}, headers=headers).json()
    assert [e["event"]["event_id"] for e in rest["events"]] == ["hal-2"]
    error_of(client.get("/v1/users/hal/export/events", params={"n": 0}, headers=headers), 422)

    erased = client.delete("/v1/users/hal", headers=headers)
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased"]["events"] == 3 and erased.json()["erased"]["users"] == 1
    assert error_of(client.get("/v1/users/hal/export", headers=headers), 404)["code"] == "P0002"
    client.put("/v1/items", json=[{"id": "ivy-own", "creator_id": "ivy"}], headers=headers)
    client.post("/v1/events", json=[{"user_id": "ivy", "item_id": "py-web", "type": "like"}], headers=headers)
    error_of(client.delete("/v1/users/ivy", params={"items": "shred"}, headers=headers), 422)
    assert client.delete("/v1/users/ivy", params={"items": "delete"}, headers=headers).status_code == 200
    assert api_db.sql("SELECT count(*) FROM pgrec.items WHERE external_id = 'ivy-own'") == [(0,)]
    assert error_of(client.delete("/v1/users/hal", headers=headers), 404)["code"] == "P0002"
    assert api_db.sql("SELECT count(*) FROM pgrec.events e JOIN pgrec.users u ON u.id = e.user_id "
                      "WHERE u.external_id = 'hal'") == [(0,)]
    # Derived aggregates stop counting the user after the next refresh.
    admin_client.post("/v1/admin/refresh", params={"what": "stats"}, headers=headers)
    after = api_db.sql("SELECT s.events FROM pgrec.item_stats s JOIN pgrec.items i ON i.id = s.item_id "
                       "WHERE i.external_id = 'figma-proto'")[0][0]
    assert after == before - 3


# --- error mapping ------------------------------------------------------------------------------

@pytest.mark.parametrize(("sqlstate", "status"), [
    ("22023", 422), ("22004", 422), ("22P02", 422), ("22003", 422), ("P0002", 404), ("23505", 409),
    ("42501", 403), ("57014", 504), ("08006", 503), ("57P01", 503), ("53300", 503), ("40001", 503),
    ("XX000", 500), ("42P01", 500), (None, 500),
])
def test_sqlstate_to_http(sqlstate: str | None, status: int) -> None:
    assert status_for_sqlstate(sqlstate) == status


def test_field_detection() -> None:
    assert field_of("n must be between 1 and 500, got 0", {"user_id", "n"}) == "n"
    assert field_of('events[3] (id "x"): type is required', {"events"}) == "events[3]"
    assert field_of('unknown strategy "x"', {"user_id", "strategy"}) is None


def test_database_down_is_503_with_retry_after(api_db: ApiDatabase, tmp_path: Any) -> None:
    dead = psycopg.conninfo.make_conninfo(api_db.app_url, host=str(tmp_path), port="1")
    with api_client(dead, api_pool_timeout=0.3) as c:
        response = c.get("/v1/users/ana/feed", headers=api_db.bearer("reader"))
        body = error_of(response, 503)
        assert response.headers["retry-after"].isdigit()
        assert str(tmp_path) not in response.text  # no connection details leak
        assert c.get("/healthz").status_code == 200  # alive, just not ready
        error_of(c.get("/readyz"), 503)
        assert body["code"] == "unavailable"


class ExplodingDatabase:
    def rows(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError('SELECT secret FROM pgrec.api_keys -- File "app.py", line 1')

    value = rows


def test_unexpected_errors_hide_their_details(api_db: ApiDatabase) -> None:
    with api_client(api_db.app_url) as c:
        real = c.app.state.database
        c.app.state.database = ExplodingDatabase()
        try:
            response = c.get("/v1/users/ana/status", headers=api_db.bearer("reader"))
        finally:
            c.app.state.database = real
        body = error_of(response, 500)
        assert body == {"status": 500, "code": "internal_error", "message": "internal error",
                        "request_id": response.headers["x-request-id"]}
        assert "SELECT" not in response.text and "Traceback" not in response.text


def test_unknown_route_has_the_same_error_shape(client: TestClient) -> None:
    assert error_of(client.get("/v1/nowhere"), 404)["code"] == "not_found"
    assert error_of(client.post("/healthz"), 405)["code"] == "method_not_allowed"
