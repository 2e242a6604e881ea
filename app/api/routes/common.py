"""What every handler shares: calling a ``rec`` function and the response shapes."""

from __future__ import annotations

from typing import Any

from litestar import Request
from msgspec import Struct

from app.api.errors import PARAMS_KEY
from app.api.queries import Call


def rows(request: Request, call: Call, params: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    """Rows of ``call``; the argument names are remembered so an error can name its field."""
    request.scope[PARAMS_KEY] = set(params)  # type: ignore[literal-required]
    return request.app.state.database.rows(call, params, **kwargs)


def value(request: Request, call: Call, params: dict[str, Any]) -> Any:
    """The value a scalar ``call`` returns."""
    request.scope[PARAMS_KEY] = set(params)  # type: ignore[literal-required]
    return request.app.state.database.value(call, params)


class Ranked(Struct):
    """One recommended item: its id, score (higher is better) and why."""

    item_id: str
    score: float
    reasons: dict[str, Any]
    """{"terms": {signal: weighted value}, "reasons": ["human readable", ...]}"""


class RankedList(Struct):
    """Items ranked best first."""

    items: list[Ranked]


def ranked(result: list[dict[str, Any]]) -> RankedList:
    return RankedList([Ranked(r["item_id"], r["score"], r["reasons"]) for r in result])


class ErrorDetail(Struct):
    """What went wrong; ``code`` is the SQLSTATE for database errors."""

    status: int
    code: str
    message: str
    request_id: str
    field: str | None = None
    hint: str | None = None
    detail: str | None = None


class ErrorBody(Struct):
    """Every error answer has this shape (see app/api/errors.py)."""

    error: ErrorDetail


def _error(description: str) -> Any:
    from litestar.openapi.datastructures import ResponseSpec

    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


# Documented on every /v1 operation, so clients (and the fuzz test) know the error shape.
ERRORS = {
    401: _error("Missing or invalid API key"),
    403: _error("The API key lacks the scope this endpoint needs"),
    404: _error("An id that must exist does not (SQLSTATE P0002)"),
    422: _error("An argument is malformed or out of range (SQLSTATE 22xxx); `field` names it"),
    429: _error("Rate limit exceeded (per verified API key, else per client address); retry after Retry-After seconds"),
    503: _error("The database is unavailable; retry after Retry-After seconds"),
}
