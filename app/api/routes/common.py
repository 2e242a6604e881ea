"""What every handler shares: calling a ``rec`` function and the response shapes."""

from __future__ import annotations

from typing import Annotated, Any, Iterable

from litestar import Request
from litestar.openapi.spec import Example
from litestar.params import Parameter
from msgspec import Meta, Struct

from app.api.errors import PARAMS_KEY
from app.api.queries import Call
from app.api.schemas import Reasons


def example(value: Any, summary: str | None = None) -> list[Example]:
    """One OpenAPI example for a parameter."""
    return [Example(value=value, summary=summary)]


USER_ID = Annotated[str, Parameter(description="Your user id.", examples=example("u1"))]
ITEM_ID = Annotated[str, Parameter(description="Your item id.", examples=example("i722"))]


def jsonb(data: Any) -> Any:
    """A JSON value of a request body as a jsonb parameter (None stays None: left out)."""
    from psycopg.types.json import Jsonb

    return None if data is None else Jsonb(data)


def rows(request: Request, call: Call, params: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    """Rows of ``call``; the argument names are remembered so an error can name its field."""
    request.scope[PARAMS_KEY] = set(params)  # type: ignore[literal-required]
    return request.app.state.database.rows(call, params, **kwargs)


def value(request: Request, call: Call, params: dict[str, Any], fields: Iterable[str] = ()) -> Any:
    """The value a scalar ``call`` returns; ``fields`` are more names an error may name (the
    keys of a JSON object argument)."""
    request.scope[PARAMS_KEY] = set(params) | set(fields)  # type: ignore[literal-required]
    return request.app.state.database.value(call, params)


def impressions_written(request: Request) -> None:
    """Before a report on impressions: write the feed pages this process served and has not
    written yet (app/api/impressions.py), so the report counts every page served before it."""
    from app.api.impressions import flush_all

    flush_all()


class Ranked(Struct):
    """One recommended item: its id, score (higher is better) and why."""

    item_id: Annotated[str, Meta(description="Your item id.", examples=["i722"])]
    score: Annotated[float, Meta(description="Higher is better; the sum of `reasons.terms`.", examples=[0.63])]
    # Documented as Reasons; at run time the jsonb the SQL built, passed through unchanged so
    # that keys a list adds (distance_km, ranks, ...) reach the client.
    reasons: Reasons


class RankedList(Struct):
    """Items ranked best first; ties in item id order, so pages are stable."""

    items: list[Ranked]


def ranked(result: list[dict[str, Any]]) -> RankedList:
    return RankedList([Ranked(r["item_id"], r["score"], r["reasons"]) for r in result])


class ErrorDetail(Struct):
    """What went wrong; ``code`` is the SQLSTATE for database errors."""

    status: Annotated[int, Meta(examples=[422])]
    code: Annotated[str, Meta(description="SQLSTATE, or a word such as unauthorized.", examples=["22023"])]
    message: Annotated[str, Meta(examples=["n must be between 1 and 500, got 0"])]
    request_id: Annotated[str, Meta(description="Also in the X-Request-ID header and the log line.",
                                    examples=["5f0c3a9e2b7d4c1e8a6f0b3d2c1e4f5a"])]
    field: Annotated[str | None, Meta(description="The argument or batch element at fault.", examples=["n"])] = None
    hint: Annotated[str | None, Meta(description="What to do about it.",
                                     examples=["An item is {\"id\": text, \"title\": text, ...}"])] = None
    detail: Annotated[str | None, Meta(description="More context, e.g. that nothing of a batch was stored.",
                                       examples=["element 1 of the items batch; nothing in the batch was stored"])] = None


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
