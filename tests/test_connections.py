"""pgrec's own connections (CLI, API, scheduler, benchmarks: app.db.configure) read jsonb as
json.loads would, whatever the value."""

from __future__ import annotations

import json

from app.db import connect

DOCUMENTS = [
    '{"terms": {"vector": 0.1234567890123, "rules": -0.5}, "reasons": ["près de chez vous 😀", "a \\"quote\\""]}',
    '[1, 2.5, -0, 123456789012345678901234567890, null, true, false, "", {}, []]',
    # numeric keeps what a float cannot: past its range with a fraction, and far below it.
    '{"huge": 1' + "0" * 400 + '.5, "tiny": 0.' + "0" * 400 + '15, "big": 1' + "0" * 400 + "}",
]


def test_jsonb_reads_as_json_loads_reads_it(work_url: str) -> None:
    with connect(work_url) as conn:
        for document in DOCUMENTS:
            (value,) = conn.execute("SELECT %s::jsonb", (document,)).fetchone()
            (text,) = conn.execute("SELECT %s::jsonb::text", (document,)).fetchone()
            assert value == json.loads(text), document[:60]
