"""The one place where failures become HTTP responses.

Every error the API returns has the same JSON body::

    {"error": {"status": 422, "code": "22023", "message": "n must be between 1 and 500, got 0",
               "field": "n", "hint": "...", "detail": "...", "request_id": "..."}}

``code`` is the SQLSTATE for database errors and a short word otherwise (``unauthorized``,
``rate_limited``, …). Messages of 4xx answers come from the SQL API, which writes them for
people; a 5xx answer never carries a database message, SQL text or a stack trace — those go to
the log under the same request id.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import psycopg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

# The Python client names the field of a SQL error with the same rule (one definition).
from pgrec_client.errors import field_of

log = logging.getLogger("pgrec.api")

REQUEST_ID_KEY = "pgrec.request_id"
PARAMS_KEY = "pgrec.params"

# SQLSTATE → HTTP status. Classes (two characters) apply when no exact code is listed.
SQLSTATE_STATUS: dict[str, int] = {
    "P0002": 404,  # no_data_found: an id that must exist does not
    "23505": 409,  # unique_violation: it exists already
    "23503": 409,  # foreign_key_violation: it refers to something that is gone (a race)
    "23502": 422,  # not_null_violation
    "23514": 422,  # check_violation: a value the tables refuse
    "42501": 403,  # insufficient_privilege: the API's database role may not do this
    "42883": 501,  # undefined_function: this pgrec installation lacks the feature
    "57014": 504,  # query_canceled: the statement timeout fired
    "40001": 503,  # serialization_failure: retryable
    "40P01": 503,  # deadlock_detected: retryable
    "55P03": 503,  # lock_not_available: retryable
    "22": 422,  # data exceptions: a value is malformed or out of range
    "08": 503,  # connection exceptions
    "53": 503,  # insufficient resources (too many connections, out of memory, disk full)
    "57": 503,  # operator intervention: the server is shutting down or starting up
}

CODE_WORDS: dict[int, str] = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_value",
    429: "rate_limited", 500: "internal_error", 501: "not_implemented", 503: "unavailable", 504: "timeout",
}

RETRY_AFTER_SECONDS = "2"


def status_for_sqlstate(sqlstate: str | None) -> int:
    """HTTP status for a SQLSTATE (500 when unknown)."""
    if not sqlstate:
        return 500
    return SQLSTATE_STATUS.get(sqlstate) or SQLSTATE_STATUS.get(sqlstate[:2]) or 500


def request_id(request: Request) -> str:
    """The request id the observability middleware assigned (or a new one, for unrouted paths)."""
    rid = request.scope.get(REQUEST_ID_KEY)  # type: ignore[call-overload]
    if not rid:
        rid = uuid.uuid4().hex
        request.scope[REQUEST_ID_KEY] = rid  # type: ignore[literal-required]
    return rid


def problem(request: Request, status: int, message: str, *, code: str | None = None, field: str | None = None,
            hint: str | None = None, detail: str | None = None,
            headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    """The consistent error response."""
    body: dict[str, Any] = {"status": status, "code": code or CODE_WORDS.get(status, str(status)), "message": message}
    if field:
        body["field"] = field
    if hint:
        body["hint"] = hint
    if detail:
        body["detail"] = detail
    rid = request_id(request)
    body["request_id"] = rid
    all_headers = {"X-Request-ID": rid, **(headers or {})}
    if status in (503, 504) and "Retry-After" not in all_headers:
        all_headers["Retry-After"] = RETRY_AFTER_SECONDS
    return Response({"error": body}, status_code=status, headers=all_headers, media_type=MediaType.JSON)


def database_error(request: Request, exc: psycopg.Error) -> Response[dict[str, Any]]:
    """psycopg errors: SQLSTATE mapping; connection trouble is 503 with Retry-After."""
    sqlstate = exc.sqlstate
    if sqlstate:
        status = status_for_sqlstate(sqlstate)
    elif isinstance(exc, psycopg.DataError):
        # Raised client-side before anything reaches the server, e.g. a NUL character in text.
        status = 422
    elif isinstance(exc, psycopg.OperationalError):
        # Connection refused or lost, pool timeout: the database is (temporarily) unreachable.
        status = 503
    else:
        status = 500
    rid = request_id(request)
    if status >= 500 or status == 403:
        log.warning("database error", extra={"fields": {
            "request_id": rid, "sqlstate": sqlstate, "error": type(exc).__name__, "message": str(exc)[:500]}})
    if status == 503:
        return problem(request, 503, "the database is unavailable; retry shortly", code=sqlstate or "unavailable")
    if status == 504:
        return problem(request, 504, "the database took too long to answer", code=sqlstate)
    if status == 501:
        return problem(request, 501, "this pgrec installation does not provide this feature yet", code=sqlstate,
                       hint="Run `alembic upgrade head` (pgrec migrate) with the current release.")
    if status == 403:
        return problem(request, 403, "the API's database role is not allowed to do this", code=sqlstate,
                       hint="Grant the API's login role membership in pgrec_admin for operations endpoints.")
    if status >= 500:
        return problem(request, 500, "internal error", code=sqlstate or "internal_error")
    diag = exc.diag
    if not sqlstate:
        message = "a text value contains a character PostgreSQL cannot store (such as NUL)"
        return problem(request, status, message, code="invalid_value")
    params: set[str] | None = request.scope.get(PARAMS_KEY)  # type: ignore[call-overload]
    if written_for_clients(diag):
        message = diag.message_primary or "invalid value"
        return problem(request, status, message, code=sqlstate, field=field_of(message, params),
                       hint=diag.message_hint or None, detail=diag.message_detail or None)
    # PostgreSQL's own error (a failed cast, a constraint): its DETAIL shows stored rows and
    # internal ids, and a constraint's message names tables and constraints. Only a message that
    # mentions no database object is passed on, without DETAIL or HINT.
    message = diag.message_primary or "invalid value"
    if diag.constraint_name or diag.table_name or diag.column_name or diag.schema_name or diag.datatype_name:
        message = INTERNAL_MESSAGES.get(sqlstate) or INTERNAL_MESSAGES.get(sqlstate[:2]) or "invalid value"
    return problem(request, status, message, code=sqlstate, field=field_of(message, params))


# Messages for PostgreSQL's own errors that name database objects (they replace its text).
INTERNAL_MESSAGES: dict[str, str] = {
    "23505": "this already exists",
    "23503": "this refers to something that does not exist (any more)",
    "23502": "a required value is missing",
    "23514": "a value is outside the range pgrec accepts",
    "22": "a value is malformed or out of range",
    "23": "the value conflicts with stored data",
}


def written_for_clients(diag: psycopg.errors.Diagnostic) -> bool:
    """True for errors the SQL API raised itself (``RAISE`` in PL/pgSQL): their message, DETAIL
    and HINT are written for the caller. PostgreSQL's own errors come from other routines."""
    return diag.source_function == "exec_stmt_raise"


def unicode_error(request: Request, exc: UnicodeError) -> Response[dict[str, Any]]:
    """Text that cannot be encoded as UTF-8 (lone surrogates) never reaches the database."""
    return problem(request, 422, "a text value is not valid Unicode", code="invalid_value")


def http_error(request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    """Litestar's own errors (routing, validation, auth, size and rate limits) in the same shape."""
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 429 and "RateLimit-Reset" in headers:
        headers.setdefault("Retry-After", headers["RateLimit-Reset"])
    field = None
    message = exc.detail or CODE_WORDS.get(status, "error")
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        first = exc.extra[0]
        if isinstance(first, dict):
            field = first.get("key") or None
            if first.get("message"):
                message = f"{exc.detail}: {first['message']}"
    if status >= 500:
        log.warning("http error", extra={"fields": {"request_id": request_id(request), "status": status,
                                                      "message": str(exc.detail)[:500]}})
        message = CODE_WORDS.get(status, "error")
    return problem(request, status, message, field=field, headers=headers)


def internal_error(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    """Anything else: logged with its traceback, answered without one."""
    log.error("unhandled error", exc_info=exc, extra={"fields": {"request_id": request_id(request)}})
    return problem(request, 500, "internal error")


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    psycopg.Error: database_error,
    UnicodeError: unicode_error,
    HTTPException: http_error,
    Exception: internal_error,
}
