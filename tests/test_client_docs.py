"""docs/client.md and the README's "Python client and SQLAlchemy" section run as written on the
demo dataset, against its database and a live `pgrec serve`: every Python block, in order, in
one session, and each prints what it promises."""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import types
from typing import Iterator

import psycopg
import pytest

from app import ROOT
from tests.helpers import demo_database, serving


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def readme_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Python client and SQLAlchemy\n")
    return readme[start:readme.index("\n## ", start + 10)]


@pytest.fixture(scope="module")
def demo(server_url: str, template_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    workdir = tmp_path_factory.mktemp("client-docs")
    with demo_database(server_url, template_url, "pgrec_client_docs") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            key = conn.execute("SELECT secret FROM rec.create_api_key('docs', ARRAY['read', 'write'])").fetchone()[0]
        env = {**os.environ, "DATABASE_URL": url, "PGREC_EMBEDDING_PROVIDER": "offline",
               "PGREC_API_EMBED_QUERIES": "false", "PGREC_DATA_DIR": str(workdir / "pgdata-unused")}
        with serving(env, workdir / "api.log") as port:
            yield {"url": url, "key": key, "port": port}


def run(blocks: list[str], demo: dict, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each block's output, run one after the other in one namespace, as a reader's session."""
    monkeypatch.setenv("DATABASE_URL", demo["url"])
    monkeypatch.setenv("PGREC_API_KEY", demo["key"])
    # A real module, as a reader's script is: SQLAlchemy resolves mapped annotations through it.
    module = types.ModuleType("client_docs_session")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    outputs = []
    for block in blocks:
        code = block.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{demo['port']}")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<docs>", "exec"), namespace)  # noqa: S102 - the documentation's own examples
        outputs.append(out.getvalue())
    if "pool" in namespace:
        namespace["pool"].close()
    return outputs


def test_the_client_reference_runs_on_the_demo_data(demo: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks((ROOT / "docs" / "client.md").read_text())
    assert len(blocks) >= 9
    outputs = run(blocks, demo, monkeypatch)
    for block, output in zip(blocks, outputs):
        if "print(" in block:
            assert output.strip(), f"printed nothing:\n{block}"
    text = "\n".join(outputs)
    assert "2 0" in text  # a retried batch adds nothing
    assert 'events[1] P0002 events[1]: unknown item "no-such-item"' in text
    assert "item_ids item_ids holds 10000 ids; the limit is 1000" in text
    assert "InvalidInput('n must be between 1 and 500, got 0', code='22023', field='n')" in text
    assert "[]" not in outputs[0], "the first feed is empty"


def test_the_readme_section_runs_on_the_demo_data(demo: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(readme_section())
    assert blocks
    output = "".join(run(blocks, demo, monkeypatch))
    assert 'P0002 unknown item "no-such-item"' in output
    assert re.search(r"\[\('.+', Decimal\('[\d.]+'\), [\d.]+\)", output), output
