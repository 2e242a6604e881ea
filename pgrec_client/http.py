"""The HTTP transport: the same calls through ``pgrec serve`` with httpx (``pgrec[client]``).

Each :class:`~pgrec_client.calls.Call` carries its :class:`~pgrec_client.calls.Route`; this
module only places arguments in the path, query or body, and takes the result out of the
answer so that the verbs see the rows or value the SQL function returned.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

try:
    import httpx
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("the HTTP client needs httpx: pip install 'pgrec[client]'") from exc

from pgrec_client.calls import Call, Route
from pgrec_client.errors import InvalidInput, NotSupported, Timeout, Unavailable, error_for_http

DEFAULT_TIMEOUT = 10.0


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, timedelta):
        return f"{value.total_seconds():g} seconds"
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


def request_parts(call: Call, args: dict[str, Any]) -> tuple[Route, str, dict[str, Any], Any]:
    """(route, path, query parameters, JSON body) for a call with ``args``."""
    route = call.route
    if route is None:
        raise NotSupported(f"{call.function} has no HTTP endpoint")
    given = {k: v for k, v in args.items() if v is not None}
    for name in route.unsupported:
        if name in given:
            raise NotSupported(f"{name} cannot be passed over HTTP (the API computes it)", field=name)
    path = route.path
    for name in call.required_names:
        if "{" + name + "}" in path:
            if args.get(name) is None:
                # A path cannot carry a null; this is the answer the SQL function gives to one.
                raise InvalidInput(f"{name} must not be null", code="22004", field=name, status=422)
            path = path.replace("{" + name + "}", quote(str(given.pop(name)), safe=""))
    body: Any = None
    if isinstance(route.body, str):
        body = given.pop(route.body)
    elif route.body:
        body = {name: given.pop(name) for name in route.body if name in given}
    names = dict(route.names)
    query = {names.get(name, name): _query_value(value) for name, value in given.items()}
    return route, path, query, body


def result(route: Route, response: httpx.Response) -> Any:
    """The rows or value of a successful answer; the client exception otherwise."""
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        raise error_for_http(response.status_code, body, response.headers)
    data = response.json()
    value = data[route.answer] if route.answer else data
    return [value] if route.one_row else value


def _transport_error(exc: httpx.HTTPError, base_url: Any) -> Exception:
    if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
        return Timeout(f"the pgrec API at {base_url} did not answer in time")
    return Unavailable(f"cannot reach the pgrec API at {base_url}: {exc}")


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


class HttpTransport:
    """Calls over HTTP with an ``httpx.Client`` (made here from ``base_url``, or the caller's)."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *,
                 client: httpx.Client | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        if client is None and base_url is None:
            raise TypeError("pass base_url or an httpx.Client")
        self._owned = client is None
        self.client = client or httpx.Client(base_url=base_url or "", timeout=timeout)
        self.headers = _headers(api_key)

    def run(self, call: Call, args: dict[str, Any]) -> Any:
        route, path, query, body = request_parts(call, args)
        try:
            response = self.client.request(route.method, path, params=query or None, json=body, headers=self.headers)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, self.client.base_url) from exc
        return result(route, response)

    def close(self) -> None:
        if self._owned:
            self.client.close()


class AsyncHttpTransport:
    """Calls over HTTP with an ``httpx.AsyncClient``."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *,
                 client: httpx.AsyncClient | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        if client is None and base_url is None:
            raise TypeError("pass base_url or an httpx.AsyncClient")
        self._owned = client is None
        self.client = client or httpx.AsyncClient(base_url=base_url or "", timeout=timeout)
        self.headers = _headers(api_key)

    async def run(self, call: Call, args: dict[str, Any]) -> Any:
        route, path, query, body = request_parts(call, args)
        try:
            response = await self.client.request(route.method, path, params=query or None, json=body,
                                                 headers=self.headers)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, self.client.base_url) from exc
        return result(route, response)

    async def close(self) -> None:
        if self._owned:
            await self.client.aclose()
