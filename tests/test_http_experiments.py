"""The online loop over HTTP: the feed logs what it serves under its request id (and still
serves when logging fails), serves experiment variants, and the experiment endpoints design,
end, report and assign.

As in test_http_api.py, the app connects as a login role in pgrec_app (or pgrec_admin for
the operations endpoints) and the tests inspect tables through the superuser URL.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterator

import pytest
from litestar.testing import TestClient

from app.api import queries as q
from app.api.queries import Call

from tests.helpers import ApiDatabase, api_client

AB = {"description": "explore against default",
      "variants": [{"name": "control", "strategy": "default", "share": 0.5},
                   {"name": "explore", "strategy": "explore", "share": 0.5}]}


@pytest.fixture(scope="module")
def client(api_db: ApiDatabase) -> Iterator[TestClient]:
    with api_client(api_db.app_url) as c:
        yield c


@pytest.fixture(scope="module")
def admin_client(api_db: ApiDatabase) -> Iterator[TestClient]:
    with api_client(api_db.admin_url) as c:
        yield c


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["status"] == status and body["request_id"] == response.headers["x-request-id"]
    return body


def logged(api_db: ApiDatabase, request_id: str, client: TestClient | None = None) -> list[tuple]:
    """(user, item, position, experiment, variant, strategy) of a request's impressions, after
    ``client``'s app wrote the pages it queued (app/api/impressions.py)."""
    if client is not None:
        assert client.app.state.impressions.flush()
    return api_db.sql("""
        SELECT u.external_id, i.external_id, m.position, m.experiment, m.variant, m.strategy
        FROM pgrec.impressions AS m JOIN pgrec.users AS u ON u.id = m.user_id JOIN pgrec.items AS i ON i.id = m.item_id
        WHERE m.request_id = %s ORDER BY m.position""", (request_id,))


def create(api_db: ApiDatabase, admin_client: TestClient, name: str, body: dict[str, Any] = AB) -> dict[str, Any]:
    return ok(admin_client.put(f"/v1/experiments/{name}", json=body, headers=api_db.bearer("admin")))


# --- the feed logs what it serves ----------------------------------------------------------------

def test_the_feed_answers_with_its_request_id_and_logs_the_page(api_db: ApiDatabase, client: TestClient) -> None:
    reader = api_db.bearer("reader")
    response = client.get("/v1/users/ana/feed", params={"n": 3}, headers={**reader, "X-Request-ID": "feed-trace-1"})
    body = ok(response)
    assert body["request_id"] == response.headers["x-request-id"] == "feed-trace-1"
    items = [i["item_id"] for i in body["items"]]
    assert items
    assert logged(api_db, "feed-trace-1", client) == [("ana", item, k, None, None, None) for k, item in enumerate(items, 1)]

    # An id that is not a plain token is replaced by a new one, and the page is logged under it.
    response = client.get("/v1/users/ana/feed", params={"strategy": "explore"},
                          headers={**reader, "X-Request-ID": "two words"})
    body = ok(response)
    assert re.fullmatch(r"[0-9a-f]{32}", body["request_id"]) and body["request_id"] == response.headers["x-request-id"]
    assert {row[5] for row in logged(api_db, body["request_id"], client)} == {"explore"}


def test_a_feed_for_an_experiment_serves_and_logs_the_users_variant(api_db: ApiDatabase, client: TestClient,
                                                                     admin_client: TestClient) -> None:
    create(api_db, admin_client, "web_ab")
    reader = api_db.bearer("reader")
    for user in ("ana", "ben", "cid", "dee", "eve"):
        assignment = ok(client.get("/v1/experiments/web_ab/assignment", params={"user_id": user}, headers=reader))
        assert assignment["running"] is True and assignment["variant"] in {"control", "explore"}
        served = ok(client.get(f"/v1/users/{user}/feed", params={"strategy": "experiment:web_ab"}, headers=reader))
        direct = ok(client.get(f"/v1/users/{user}/feed", params={"strategy": assignment["strategy"]}, headers=reader))
        assert [i["item_id"] for i in served["items"]] == [i["item_id"] for i in direct["items"]]
        for item in served["items"]:
            assert item["reasons"]["experiment"] == "web_ab" and item["reasons"]["variant"] == assignment["variant"]
        rows = logged(api_db, served["request_id"], client)
        assert len(rows) == len(served["items"])
        assert {r[3:] for r in rows} == {("web_ab", assignment["variant"], assignment["strategy"])}


def test_logging_failures_never_fail_the_feed(api_db: ApiDatabase, client: TestClient,
                                              caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = api_db.bearer("reader")
    # An erased user can still be served (as a visitor), but rec.log_impressions refuses them.
    api_db.sql("SELECT rec.upsert_users('[{\"id\": \"gone\"}]')")
    api_db.sql("SELECT rec.forget_user('gone')")
    with caplog.at_level(logging.WARNING, logger="pgrec.api"):
        body = ok(client.get("/v1/users/gone/feed", headers={**reader, "X-Request-ID": "gone-1"}))
        assert client.app.state.impressions.flush()
    assert body["items"] and body["request_id"] == "gone-1"
    warnings = [r for r in caplog.records if r.getMessage() == "impressions not logged"]
    assert [(w.fields["request_id"], w.fields["sqlstate"]) for w in warnings] == [("gone-1", "22023")]
    assert logged(api_db, "gone-1") == []

    # The function is missing altogether (an older database): still served.
    caplog.clear()
    monkeypatch.setattr(q, "LOG_IMPRESSIONS", Call("rec.no_such_function", q.LOG_IMPRESSIONS.args))
    with caplog.at_level(logging.WARNING, logger="pgrec.api"):
        body = ok(client.get("/v1/users/ana/feed", headers={**reader, "X-Request-ID": "missing-1"}))
        assert client.app.state.impressions.flush()
    assert body["items"]
    assert [w.fields["sqlstate"] for w in caplog.records if w.getMessage() == "impressions not logged"] == ["42883"]


def test_impression_logging_can_be_switched_off(api_db: ApiDatabase) -> None:
    with api_client(api_db.app_url, api_log_impressions=False) as quiet:
        body = ok(quiet.get("/v1/users/ana/feed", headers={**api_db.bearer("reader"), "X-Request-ID": "quiet-1"}))
    assert body["items"] and body["request_id"] == "quiet-1"
    assert logged(api_db, "quiet-1") == []


def test_an_unknown_experiment_is_422(api_db: ApiDatabase, client: TestClient) -> None:
    body = error_of(client.get("/v1/users/ana/feed", params={"strategy": "experiment:nope"},
                               headers=api_db.bearer("reader")), 422)
    assert body["code"] == "22023"


# --- the experiment endpoints ---------------------------------------------------------------------

def test_design_list_report_and_end_an_experiment(api_db: ApiDatabase, client: TestClient,
                                                  admin_client: TestClient) -> None:
    admin = api_db.bearer("admin")
    created = create(api_db, admin_client, "http_ab")
    assert created["name"] == "http_ab" and created["status"] == "running" and created["list"] == "feed"
    assert [(v["name"], v["control"]) for v in created["variants"]] == [("control", True), ("explore", False)]
    listed = ok(admin_client.get("/v1/experiments", headers=admin))["experiments"]
    assert "http_ab" in {e["name"] for e in listed}
    # The same design again is a no-op; the description may change while it runs.
    assert create(api_db, admin_client, "http_ab", {**AB, "description": "renamed"})["description"] == "renamed"

    # What the feed serves and a click afterwards reach the report.
    served = ok(client.get("/v1/users/ben/feed", params={"strategy": "experiment:http_ab", "n": 4},
                           headers=api_db.bearer("reader")))
    variant = served["items"][0]["reasons"]["variant"]
    clicked = served["items"][0]["item_id"]
    assert ok(client.post("/v1/events", json=[{"user_id": "ben", "item_id": clicked, "type": "click"}],
                          headers=api_db.bearer("writer")))["new"] == 1
    report = ok(admin_client.get("/v1/experiments/http_ab/report", params={"attribution": "1 hour"}, headers=admin))
    assert report["experiment"] == "http_ab" and report["attribution"] == "1 hour"
    rows = {r["variant"]: r for r in report["variants"]}
    assert (rows[variant]["users"], rows[variant]["impressions"], rows[variant]["clicks"]) == (1, len(served["items"]), 1)
    assert rows[variant]["ctr"] == pytest.approx(1 / len(served["items"]))
    assert rows[variant]["ctr_low"] < rows[variant]["ctr"] < rows[variant]["ctr_high"]

    ended = ok(admin_client.post("/v1/experiments/http_ab/end", headers=admin))
    assert ended["status"] == "ended" and ended["ends_at"]
    assert ok(admin_client.post("/v1/experiments/http_ab/end", headers=admin)) == ended
    after = ok(client.get("/v1/experiments/http_ab/assignment", params={"user_id": "ben"},
                          headers=api_db.bearer("reader")))
    assert (after["variant"], after["running"]) == ("control", False)


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"variants": [{"name": "a", "strategy": "default", "share": 0.5},
                   {"name": "b", "strategy": "explore", "share": 0.4}]}, 422, "variants"),
    ({"variants": [{"name": "a", "strategy": "default", "share": 0.5},
                   {"name": "b", "strategy": "nope", "share": 0.5}]}, 422, "variants[1]"),
    ({"variants": [{"name": "a", "strategy": "default", "share": 0.5},
                   {"name": "b", "strategy": "trending", "share": 0.5}]}, 422, "variants[1]"),
    ({**AB, "ends_at": "2000-01-01T00:00:00Z"}, 422, "ends_at"),
    ({**AB, "starts_at": "tomorrow"}, 422, "starts_at"),
    ({"description": "no variants"}, 422, "variants"),
    ({**AB, "name": "other_name"}, 400, "name"),
])
def test_experiment_validation_names_the_field(api_db: ApiDatabase, admin_client: TestClient, body: dict,
                                               status: int, field: str) -> None:
    response = admin_client.put("/v1/experiments/invalid_ab", json=body, headers=api_db.bearer("admin"))
    assert error_of(response, status).get("field") == field
    assert "invalid_ab" not in {e["name"] for e in ok(admin_client.get("/v1/experiments",
                                                                        headers=api_db.bearer("admin")))["experiments"]}


def test_unknown_experiments_are_404_and_bad_windows_422(api_db: ApiDatabase, client: TestClient,
                                                         admin_client: TestClient) -> None:
    admin = api_db.bearer("admin")
    assert error_of(admin_client.get("/v1/experiments/nope/report", headers=admin), 404)["code"] == "P0002"
    assert error_of(admin_client.post("/v1/experiments/nope/end", headers=admin), 404)["code"] == "P0002"
    assert error_of(client.get("/v1/experiments/nope/assignment", params={"user_id": "ana"},
                               headers=api_db.bearer("reader")), 404)["code"] == "P0002"
    create(api_db, admin_client, "window_ab")
    for attribution in ("0 hours", "60 days", "soon"):
        response = admin_client.get("/v1/experiments/window_ab/report", params={"attribution": attribution},
                                    headers=admin)
        assert error_of(response, 422)["code"].startswith("22"), attribution


def test_operations_need_an_admin_database_role(api_db: ApiDatabase, client: TestClient) -> None:
    # The admin key through an API whose database role is only in pgrec_app.
    body = error_of(client.get("/v1/experiments", headers=api_db.bearer("admin")), 403)
    assert body["code"] == "42501"


# --- pages an application logs itself ------------------------------------------------------------

def test_an_application_logs_the_pages_it_showed(api_db: ApiDatabase, client: TestClient,
                                                 admin_client: TestClient) -> None:
    create(api_db, admin_client, "logged_ab")
    body = {"request_id": "app-page-1", "user_id": "ana", "items": ["py-web", "py-intro"], "experiment": "logged_ab"}
    assert error_of(client.post("/v1/impressions", json=body, headers=api_db.bearer("reader")), 403)
    assert ok(client.post("/v1/impressions", json=body, headers=api_db.bearer("writer"))) == {"logged": 2}
    assert ok(client.post("/v1/impressions", json=body, headers=api_db.bearer("writer"))) == {"logged": 0}
    variant = ok(client.get("/v1/experiments/logged_ab/assignment", params={"user_id": "ana"},
                            headers=api_db.bearer("reader")))["variant"]
    strategy = {"control": "default", "explore": "explore"}[variant]
    assert logged(api_db, "app-page-1") == [("ana", "py-web", 1, "logged_ab", variant, strategy),
                                            ("ana", "py-intro", 2, "logged_ab", variant, strategy)]
    bad = error_of(client.post("/v1/impressions", json={**body, "request_id": "app-page-2", "items": ["py-web", ""]},
                               headers=api_db.bearer("writer")), 422)
    assert bad["field"] == "items[2]"
    assert error_of(client.post("/v1/impressions", json={**body, "request_id": "app-page-3", "items": ["ghost"]},
                                headers=api_db.bearer("writer")), 404)["code"] == "P0002"
    assert error_of(client.post("/v1/impressions", json={"user_id": "ana", "items": ["py-web"]},
                                headers=api_db.bearer("writer")), 400)["code"] == "bad_request"
    assert logged(api_db, "app-page-2") == [] and logged(api_db, "app-page-3") == []
