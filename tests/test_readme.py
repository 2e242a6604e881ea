"""The README's examples of the quick start, "Seeing it", "Bring your own data", the SQL API reference,
the lists and how lists are ranked run as written against the demo dataset and a live `pgrec serve`,
and every one of them returns rows."""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any, Iterator

import psycopg
import pytest

from app import ROOT
from tests.helpers import demo_database, serving

SECTIONS = ("## Quick start", "## Seeing it: playground, dashboard, evaluation report", "## Bring your own data",
            "## SQL API reference (schema `rec`)", "## Lists: trending, new, similar, nearby, search, next step, sessions, paths, stats",
            "## How lists are ranked")
# Lines that need the host itself (make, docker), not the demo database.
NOT_RUN = ("make ", "docker ")


def section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    end = text.find("\n## ", start + len(heading))
    return text[start:end if end > 0 else None]


def code_blocks(language: str) -> list[str]:
    readme = (ROOT / "README.md").read_text()
    found = []
    for heading in SECTIONS:
        found += re.findall(rf"```{language}\n(.*?)```", section(readme, heading), re.S)
    return found


def has_rows(value: Any) -> bool:
    """A JSON answer with at least one non-empty list in it."""
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, dict):
        return any(has_rows(v) for v in value.values())
    return False


@pytest.fixture(scope="module")
def demo(server_url: str, template_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The demo dataset `make run` loads, in its own database, and `pgrec serve` on a free port."""
    workdir = tmp_path_factory.mktemp("readme")
    for link in (".venv", "docs"):  # the examples use paths relative to the checkout
        (workdir / link).symlink_to(ROOT / link)
    with demo_database(server_url, template_url, "pgrec_readme") as url:
        env = {**os.environ, "DATABASE_URL": url, "PGREC_EMBEDDING_PROVIDER": "offline",
               "PGREC_API_EMBED_QUERIES": "false", "COLUMNS": "200", "PGREC_DATA_DIR": str(workdir / "pgdata-unused")}
        with serving(env, workdir / "api.log") as port:
            yield {"url": url, "port": port, "env": env, "workdir": workdir}


def commands(block: str) -> list[str]:
    """Command lines of a shell block, continuation lines joined."""
    lines = block.replace("\\\n", " ").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_the_sections_have_examples() -> None:
    assert len(code_blocks("sh")) >= 3 and len(code_blocks("sql")) >= 1
    assert sum(len(commands(b)) for b in code_blocks("sh")) >= 12


# The shell examples load a second world, refresh every step (model fits and feed pools
# included), evaluate twice and tune: minutes of work whose length depends on the machine's
# load, which is not what this test is about.
@pytest.mark.timeout(900)
def test_shell_examples_run_and_return_rows(demo: dict) -> None:
    script, expected = [], []
    for block in code_blocks("sh"):
        for line in commands(block):
            if line.startswith(NOT_RUN):
                continue
            line = line.replace("127.0.0.1:8000", f"127.0.0.1:{demo['port']}")
            exits = re.search(r"#\s*exits (\d+)", line)
            line = re.sub(r"\s+#\s.*$", "", line)  # a trailing comment would swallow the $( ... ) around it
            if re.match(r"^[A-Z_]+=\$\(", line):  # an assignment the next lines use
                script.append(line)
                continue
            expected.append((line, int(exits.group(1)) if exits else 0))
            n = len(expected) - 1
            script.append(f"out=$({line} 2>&1); rc=$?; printf '<<<%d %d>>>\\n%s\\n' {n} $rc \"$out\"")
    result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=demo["workdir"], env=demo["env"],
                            capture_output=True, text=True, timeout=600)
    outputs = re.split(r"^<<<(\d+) (\d+)>>>\n", result.stdout, flags=re.M)[1:]
    ran = {int(n): (int(rc), out) for n, rc, out in zip(outputs[0::3], outputs[1::3], outputs[2::3])}
    assert len(ran) == len(expected), result.stdout[-3000:] + result.stderr[-2000:]
    for n, (line, code) in enumerate(expected):
        rc, out = ran[n]
        assert rc == code, f"{line}\nexit {rc}, expected {code}:\n{out[-2000:]}"
        assert out.strip(), f"{line} printed nothing"
        assert "Traceback" not in out, f"{line}:\n{out[-2000:]}"
        if line.startswith("curl"):
            assert has_rows(json.loads(out)), f"{line} returned no rows: {out[:500]}"
        if " feed " in line:
            assert re.search(r"│\s*1\s*│", out), f"{line} returned no items:\n{out[-1500:]}"
        if " evaluate " in line and "--report" in line:
            report = demo["workdir"] / line.split("--report", 1)[1].split()[0]
            assert report.stat().st_size > 10_000
        if " import " in line and "--dry-run" not in line and code == 0:
            assert " 0 rejected" in out and not re.search(r" 0 written", out), out


def test_sql_examples_return_rows(demo: dict) -> None:
    statements = [s.strip() for block in code_blocks("sql") for s in re.split(r";\s*(?:--[^\n]*)?\n", block)
                  if s.strip() and not s.strip().startswith("--")]
    assert statements
    with psycopg.connect(demo["url"], autocommit=True) as conn:
        for statement in statements:
            rows = conn.execute(statement).fetchall()
            assert rows, f"no rows: {statement}"
