"""One exception hierarchy for both transports.

The SQL API raises with a SQLSTATE; the HTTP API answers with a status and, for database
errors, the same SQLSTATE as ``code``. Both map to the same classes here, so a host app
catches ``NotFound`` whether it talks to PostgreSQL or to ``pgrec serve``::

    PgrecError
    ├── InvalidInput    22xxx, 23502, 23514 · HTTP 400, 413, 422   (``field`` names the argument or element)
    ├── NotFound        P0002                · HTTP 404
    ├── Conflict        23505, 23503         · HTTP 409
    ├── Unauthorized    28xxx                · HTTP 401
    ├── Forbidden       42501                · HTTP 403
    ├── RateLimited                          · HTTP 429             (``retry_after``)
    ├── Timeout         57014                · HTTP 504
    ├── Unavailable     08xxx, 53xxx, 57xxx, 40001, 40P01, 55P03
    │                                        · HTTP 502, 503, connection failures (``retry_after``)
    ├── NotSupported    42883                · HTTP 501, an argument the HTTP API does not take
    └── ServerError     anything else        · HTTP 5xx
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "PgrecError", "InvalidInput", "NotFound", "Conflict", "Unauthorized", "Forbidden", "RateLimited", "Timeout",
    "Unavailable", "NotSupported", "ServerError", "error_for_sqlstate", "error_for_http", "field_of",
]


class PgrecError(Exception):
    """A call to pgrec failed.

    ``code`` is the SQLSTATE when the database raised (over either transport), else a short
    word from the HTTP API (``unauthorized``, ``rate_limited``, …). ``field`` is the argument
    or batch element the server named (``n``, ``events[3]``); ``hint`` says what to do about it.
    """

    #: The HTTP status this kind of error has (also over SQL, for logging and proxies).
    status: int = 500
    #: Worth retrying unchanged after a pause.
    retryable: bool = False

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, hint: str | None = None,
                 detail: str | None = None, status: int | None = None, request_id: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.hint = hint
        self.detail = detail
        self.request_id = request_id
        self.retry_after = retry_after
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]" if self.code else self.message

    def __repr__(self) -> str:
        parts = [repr(self.message)] + [f"{k}={v!r}" for k in ("code", "field") if (v := getattr(self, k))]
        return f"{type(self).__name__}({', '.join(parts)})"


class InvalidInput(PgrecError):
    """An argument is missing, malformed or out of range; ``field`` names it."""

    status = 422


class NotFound(PgrecError):
    """An id that must exist does not (an unknown item, an erased user)."""

    status = 404


class Conflict(PgrecError):
    """It exists already, or it refers to something that is gone."""

    status = 409


class Unauthorized(PgrecError):
    """No credentials, or credentials the server does not accept (API key, database login)."""

    status = 401


class Forbidden(PgrecError):
    """The API key lacks the scope, or the database role lacks the grant."""

    status = 403


class RateLimited(PgrecError):
    """Too many requests for this API key; wait ``retry_after`` seconds."""

    status = 429
    retryable = True


class Timeout(PgrecError):
    """The database took longer than its statement timeout (or the request its time limit)."""

    status = 504


class Unavailable(PgrecError):
    """The database or the API cannot be reached or is overloaded right now; retry shortly."""

    status = 503
    retryable = True


class NotSupported(PgrecError):
    """This pgrec installation (or its HTTP API) does not offer the function or argument."""

    status = 501


class ServerError(PgrecError):
    """Anything else went wrong on the server; its log has the details under ``request_id``."""

    status = 500


# SQLSTATE → class. Exact codes first, then two-character classes.
_BY_SQLSTATE: dict[str, type[PgrecError]] = {
    "P0002": NotFound,  # no_data_found
    "23505": Conflict,  # unique_violation
    "23503": Conflict,  # foreign_key_violation
    "23502": InvalidInput,  # not_null_violation
    "23514": InvalidInput,  # check_violation
    "42501": Forbidden,  # insufficient_privilege
    "42883": NotSupported,  # undefined_function: an older installation
    "57014": Timeout,  # query_canceled (statement_timeout)
    "40001": Unavailable,  # serialization_failure
    "40P01": Unavailable,  # deadlock_detected
    "55P03": Unavailable,  # lock_not_available
    "22": InvalidInput,  # data exceptions
    "28": Unauthorized,  # invalid authorization
    "08": Unavailable,  # connection exceptions
    "53": Unavailable,  # insufficient resources
    "57": Unavailable,  # operator intervention (shutdown, starting up)
}

_BY_STATUS: dict[int, type[PgrecError]] = {
    400: InvalidInput, 413: InvalidInput, 422: InvalidInput, 404: NotFound, 409: Conflict, 401: Unauthorized,
    403: Forbidden, 429: RateLimited, 501: NotSupported, 502: Unavailable, 503: Unavailable, 504: Timeout,
}

_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")

# "n must be …", "events[3] (id "x"): …", "user_id must not be null": the SQL API starts its
# messages with the name of the offending argument or batch element.
_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\[\d+\])?")


def field_of(message: str | None, params: set[str] | None) -> str | None:
    """The argument or batch element a SQL message names, if it names one the call passed.

    The HTTP API and the SQL transport of the client both use this, so ``field`` is the same
    over either."""
    match = _FIELD.match(message or "")
    if not match:
        return None
    name, index = match.group(1), match.group(2)
    if index or (params and name in params):
        return name + (index or "")
    return None


def error_for_sqlstate(sqlstate: str | None) -> type[PgrecError]:
    """The class for a SQLSTATE (``ServerError`` when it is not one the SQL API uses)."""
    if not sqlstate:
        return ServerError
    return _BY_SQLSTATE.get(sqlstate) or _BY_SQLSTATE.get(sqlstate[:2]) or ServerError


def error_for_http(status: int, body: Any, headers: Any = None) -> PgrecError:
    """The exception for an HTTP error answer: by SQLSTATE when the API passed one on, else by
    status. ``body`` is the decoded JSON (``{"error": {...}}``) or anything else a proxy sent."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), str) else None
    if code and _SQLSTATE.match(code):
        cls = error_for_sqlstate(code)
    else:
        cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else PgrecError)
    retry_after = None
    if headers is not None and headers.get("retry-after"):
        try:
            retry_after = float(headers["retry-after"])
        except ValueError:
            pass
    return cls(str(error.get("message") or f"HTTP {status}"), code=code, field=error.get("field"),
               hint=error.get("hint"), detail=error.get("detail"), status=status,
               request_id=error.get("request_id"), retry_after=retry_after)
