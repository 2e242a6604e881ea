"""The API reference at ``/schema``: one self-contained HTML page made from the OpenAPI document.

Litestar's interactive pages (Swagger UI, Redoc, …) load their scripts, styles and fonts from
CDNs, so they show nothing on a network without internet access, where pgrec often runs. This
page needs nothing but itself: no script, no external link. Tools read the same document as
``/schema/openapi.json`` or ``/schema/openapi.yaml``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.enums import MediaType
from litestar.openapi.plugins import OpenAPIRenderPlugin

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
code, pre { font: 13px ui-monospace, monospace; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
.op { margin: 1.2rem 0 2rem; } .method { font-weight: bold; text-transform: uppercase; }
table { border-collapse: collapse; margin: .4rem 0; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; vertical-align: top; }
.muted { color: #666; }
"""


def _type(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " | ".join(_type(s) for s in schema[key])
    if schema.get("type") == "array":
        return f"array of {_type(schema.get('items'))}"
    return str(schema.get("type", "object"))


class ReferencePage(OpenAPIRenderPlugin):
    """Every operation with its parameters, body and answers, rendered without any script."""

    def __init__(self, path: str = "/") -> None:
        super().__init__(path=path, media_type=MediaType.HTML)

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        info = openapi_schema.get("info", {})
        json_url = escape(self.get_openapi_json_route(request))
        parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(info.get('title', 'API'))}</title>"
                 f"<style>{_STYLE}</style></head><body>",
                 f"<h1>{escape(info.get('title', 'API'))} <span class='muted'>{escape(str(info.get('version', '')))}</span></h1>",
                 f"<p>{escape(info.get('description', ''))}</p>",
                 f"<p class='muted'>Machine-readable: <a href='{json_url}'>openapi.json</a>, "
                 f"<a href='{json_url.removesuffix('.json')}.yaml'>openapi.yaml</a>.</p>"]
        for path, operations in openapi_schema.get("paths", {}).items():
            parts.append(f"<h2><code>{escape(path)}</code></h2>")
            for method, op in operations.items():
                if not isinstance(op, dict) or method == "parameters":
                    continue
                parts.append(f"<div class='op'><h3><span class='method'>{escape(method)}</span> <code>{escape(path)}</code>"
                             f" — {escape(op.get('summary', ''))}</h3>")
                if op.get("description"):
                    parts.append(f"<p>{escape(op['description'])}</p>")
                params = op.get("parameters", [])
                if params:
                    parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>meaning</th></tr>")
                    for p in params:
                        parts.append(f"<tr><td><code>{escape(p.get('name', ''))}</code></td><td>{escape(p.get('in', ''))}</td>"
                                     f"<td>{escape(_type(p.get('schema')))}</td><td>{'yes' if p.get('required') else ''}</td>"
                                     f"<td>{escape(p.get('description', ''))}</td></tr>")
                    parts.append("</table>")
                body = op.get("requestBody", {}).get("content", {})
                for media, content in body.items():
                    parts.append(f"<p>Body ({escape(media)}): <code>{escape(_type(content.get('schema')))}</code></p>")
                responses = op.get("responses", {})
                if responses:
                    parts.append("<p>Answers: " + "; ".join(
                        f"<code>{escape(code)}</code> {escape(r.get('description', ''))}" for code, r in responses.items()
                    ) + "</p>")
                parts.append("</div>")
        components = openapi_schema.get("components", {}).get("schemas", {})
        if components:
            parts.append("<h2>Shapes</h2>")
            for name, schema in components.items():
                props = schema.get("properties", {})
                required = set(schema.get("required", []))
                parts.append(f"<h3 id='{escape(name)}'><code>{escape(name)}</code></h3>")
                if schema.get("description"):
                    parts.append(f"<p>{escape(schema['description'])}</p>")
                if props:
                    parts.append("<table><tr><th>field</th><th>type</th><th>required</th></tr>" + "".join(
                        f"<tr><td><code>{escape(field)}</code></td><td>{escape(_type(s))}</td>"
                        f"<td>{'yes' if field in required else ''}</td></tr>" for field, s in props.items()) + "</table>")
        parts.append("</body></html>")
        return "".join(parts).encode()
