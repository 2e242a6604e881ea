"""The operator endpoints (/v1/admin/...), /v1/strategies, the pages the API serves itself
(/playground, /dashboard, Swagger UI at /schema) and the typed OpenAPI document."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from litestar.testing import TestClient

from tests.helpers import ApiDatabase, api_client


@pytest.fixture(scope="module")
def admin_client(api_db: ApiDatabase) -> Iterator[TestClient]:
    with api_client(api_db.admin_url) as c:
        yield c


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_strategies_list_the_weights_the_feed_sliders_start_from(api_db: ApiDatabase, admin_client: TestClient) -> None:
    strategies = {s["name"]: s for s in ok(admin_client.get("/v1/strategies", headers=api_db.bearer("reader")))["strategies"]}
    assert {"default", "explore", "marketplace", "popular", "cold_start"} <= set(strategies)
    assert strategies["explore"]["weights"]["vector"] == pytest.approx(0.30)
    assert strategies["popular"]["personalized"] is False


def test_refresh_steps_report_runs_and_staleness(api_db: ApiDatabase, admin_client: TestClient) -> None:
    steps = ok(admin_client.get("/v1/admin/refresh-steps", headers=api_db.bearer("admin")))["steps"]
    by_name = {s["step"]: s for s in steps}
    assert [s["position"] for s in steps] == sorted(s["position"] for s in steps)
    stats = by_name["stats"]  # the seeded database was refreshed when it was made
    assert stats["last_outcome"] == "ok" and stats["last_rows"] > 0 and stats["last_seconds"] >= 0
    assert 0 <= stats["age_seconds"] < 3600 and stats["last_ok_at"]


def test_embedding_queue_counts_the_catalogue(api_db: ApiDatabase, admin_client: TestClient) -> None:
    queue = ok(admin_client.get("/v1/admin/embeddings", headers=api_db.bearer("admin")))
    items = api_db.sql("SELECT count(*) FROM pgrec.items")[0][0]
    assert queue["items"] == items and queue["pending"] + queue["embedded"] >= items - queue["stale"]
    assert queue["dim"] == 384


def test_activity_counts_new_events_in_the_current_bucket(api_db: ApiDatabase, admin_client: TestClient) -> None:
    def total() -> int:
        buckets = ok(admin_client.get("/v1/admin/activity", params={"window": "10 minutes", "bucket": "1 minute"},
                                      headers=api_db.bearer("admin")))["buckets"]
        assert len(buckets) == 10
        return sum(b["events"] for b in buckets)

    before = total()
    assert before >= 12  # the seeded events were recorded at now()
    tracked = admin_client.post("/v1/events", json=[{"user_id": "ana", "item_id": "py-web", "type": "view"},
                                                    {"user_id": "ben", "item_id": "py-web", "type": "click"}],
                                headers=api_db.bearer("writer"))
    assert tracked.status_code == 200, tracked.text
    assert total() == before + 2
    error = admin_client.get("/v1/admin/activity", params={"bucket": "0 seconds"}, headers=api_db.bearer("admin"))
    assert error.status_code == 422 and error.json()["error"]["field"] == "bucket"


def test_latency_percentiles_come_from_the_apis_own_histogram(api_db: ApiDatabase, admin_client: TestClient) -> None:
    for _ in range(4):
        assert admin_client.get("/v1/users/ana/feed", headers=api_db.bearer("reader")).status_code == 200
    routes = ok(admin_client.get("/v1/admin/latency", headers=api_db.bearer("admin")))["routes"]
    feed = next(r for r in routes if r["route"] == "/v1/users/{user_id}/feed" and r["method"] == "GET")
    assert feed["count"] >= 4 and sum(b["count"] for b in feed["buckets"]) == feed["count"]
    assert 0 < feed["p50_ms"] <= feed["p90_ms"] <= feed["p99_ms"]
    # The same numbers /metrics exposes to Prometheus.
    text = admin_client.get("/metrics", headers=api_db.bearer("admin")).text  # /metrics needs an admin key
    count = re.search(r'pgrec_http_request_duration_seconds_count\{method="GET",route="/v1/users/\{user_id\}/feed"\} '
                      r'([\d.]+)', text)
    assert count and float(count.group(1)) >= feed["count"]


def test_operator_endpoints_need_the_admin_scope(api_db: ApiDatabase, admin_client: TestClient) -> None:
    for path in ("/v1/admin/refresh-steps", "/v1/admin/embeddings", "/v1/admin/activity", "/v1/admin/latency",
                 "/v1/admin/analytics", "/v1/admin/audit-log"):
        assert admin_client.get(path).status_code == 401
        assert admin_client.get(path, headers=api_db.bearer("reader")).status_code == 403


def test_analytics_over_a_period(api_db: ApiDatabase, admin_client: TestClient) -> None:
    every = ok(admin_client.get("/v1/admin/analytics", headers=api_db.bearer("admin")))["rows"]
    assert {r["metric"] for r in every} == {"users", "engagement", "recommendations", "paths"}
    expected = api_db.sql("SELECT metric, measure, value FROM rec.analytics('30d', 'engagement')")
    rows = ok(admin_client.get("/v1/admin/analytics", params={"period": "30d", "metric": "engagement"},
                               headers=api_db.bearer("admin")))["rows"]
    assert [(r["metric"], r["measure"], r["value"]) for r in rows] == [tuple(e) for e in expected]
    assert next(r for r in rows if r["measure"] == "events")["value"] == len(api_db.sql(
        "SELECT 1 FROM pgrec.events WHERE occurred_at > rec.now() - interval '30 days'"))


def test_the_audit_log_lists_privacy_actions(api_db: ApiDatabase, admin_client: TestClient) -> None:
    user = "audited-by-http"
    consent = admin_client.put("/v1/consents", json=[{"user_id": user, "purpose": "analytics", "granted": False}],
                               headers=api_db.bearer("writer"))
    assert ok(consent) == {"written": 1}
    assert admin_client.get(f"/v1/users/{user}/export", headers=api_db.bearer("writer")).status_code == 200
    entries = ok(admin_client.get("/v1/admin/audit-log", params={"user_id": user},
                                  headers=api_db.bearer("admin")))["entries"]
    assert [e["action"] for e in entries][:2] == ["export", "consent"]
    assert entries[1]["details"]["purpose"] == "analytics" and entries[1]["user_id"] == user
    assert ok(admin_client.get("/v1/admin/audit-log", params={"n": 1}, headers=api_db.bearer("admin")))["entries"] \
        == entries[:1]


def test_personal_data_needs_the_write_scope(api_db: ApiDatabase, admin_client: TestClient) -> None:
    for path in ("/v1/users/ana/profile", "/v1/users/ana/profile/history", "/v1/users/ana/consents"):
        assert admin_client.get(path, headers=api_db.bearer("reader")).status_code == 403
        assert admin_client.get(path, headers=api_db.bearer("writer")).status_code == 200
    for path in ("/v1/recommendation-types", "/v1/paths", "/v1/users/ana/achievements", "/v1/users/ana/difficulty"):
        assert admin_client.get(path, headers=api_db.bearer("reader")).status_code == 200
    assert admin_client.put("/v1/paths", json=[], headers=api_db.bearer("reader")).status_code == 403


@pytest.mark.parametrize("page", ["/playground", "/dashboard"])
def test_pages_load_without_a_key_and_only_from_this_server(admin_client: TestClient, page: str) -> None:
    response = admin_client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources and all(s.startswith(("/", "data:")) for s in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            assert admin_client.get(source).status_code == 200, source


def test_every_playground_module_is_served(admin_client: TestClient) -> None:
    index = admin_client.get("/static/views/index.js")
    assert index.status_code == 200 and "javascript" in index.headers["content-type"]
    for module in re.findall(r'from "\./([a-z_]+\.js)"', index.text):
        assert admin_client.get(f"/static/views/{module}").status_code == 200, module


def test_swagger_ui_is_served_from_local_files(admin_client: TestClient) -> None:
    html = admin_client.get("/schema").text
    assets = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', html)
    assert "/static/swagger-ui-bundle.js" in assets and "/static/swagger-ui.css" in assets
    assert not [a for a in assets if "://" in a], assets
    bundle = admin_client.get("/static/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000


def _undocumented(name: str, schema: dict[str, Any], out: list[str]) -> None:
    for key, prop in (schema.get("properties") or {}).items():
        if "$ref" in prop or (prop.get("type") == "array" and "$ref" in (prop.get("items") or {})):
            continue  # a documented component
        if not prop.get("examples"):
            out.append(f"{name}.{key}")
    if isinstance(schema.get("items"), dict):
        _undocumented(f"{name}[]", schema["items"], out)


def test_openapi_documents_every_field_with_an_example(admin_client: TestClient) -> None:
    document = admin_client.get("/schema/openapi.json").json()
    missing: list[str] = []
    for name, schema in document["components"]["schemas"].items():
        _undocumented(name, schema, missing)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if body := operation.get("requestBody"):
                _undocumented(f"{method} {path} body", body["content"]["application/json"]["schema"], missing)
            missing += [f"{method} {path} ?{p['name']}" for p in operation.get("parameters", []) if not p.get("examples")]
    assert not missing, missing
    items = document["paths"]["/v1/items"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"id", "title", "tags", "location", "price", "status"} <= set(items["items"]["properties"])
    assert items["items"]["additionalProperties"] is False and items["maxItems"] == 10_000
    events = document["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert events["items"]["required"] == ["user_id", "item_id", "type"]
    feed = document["paths"]["/v1/users/{user_id}/feed"]["get"]["responses"]["200"]["content"]["application/json"]
    assert feed["schema"]["$ref"].endswith("/FeedPage")  # the ranked items and the request id they were logged under
    assert document["components"]["schemas"]["Reasons"]["properties"]["terms"]["examples"]
