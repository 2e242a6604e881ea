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
