"""Property-based fuzzing: schemathesis generates requests from the app's own OpenAPI document
(valid and invalid ones) and sends them with a key that has every scope. No answer may be a
5xx: bad input must come back as a 4xx with the JSON error body.

At least ``FUZZ_REQUESTS`` (2,000) requests are sent: ``FUZZ_EXAMPLES`` per operation and
mode, with more rounds (new examples) until the total is reached; about a minute on the
2-core development machine. Raise ``PGREC_FUZZ_EXAMPLES`` / ``PGREC_FUZZ_REQUESTS`` for a longer hunt.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.python import asgi

from app.api import create_app

from tests.helpers import ApiDatabase, make_settings

FUZZ_EXAMPLES = int(os.environ.get("PGREC_FUZZ_EXAMPLES", "45"))
FUZZ_REQUESTS = int(os.environ.get("PGREC_FUZZ_REQUESTS", "2000"))


def test_fuzz_never_answers_5xx(api_db: ApiDatabase) -> None:
    # The admin login role, so operations endpoints are exercised too, not refused with 403.
    app = create_app(make_settings(), conninfo=api_db.admin_url)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    headers = api_db.bearer("all")
    server_errors: list[str] = []
    error_shape: list[str] = []
    calls = 0

    operations = [result.ok() for result in schema.get_all_operations()]

    def fuzz(operation: Any, mode: GenerationMode, round_: int) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @seed(round_)  # another round, other examples
        def run(case: Any) -> None:
            nonlocal calls
            calls += 1
            response = case.call(headers=headers)
            label = f"{case.method} {case.formatted_path} {case.query or ''} -> {response.status_code}"
            if response.status_code >= 500:
                server_errors.append(f"{label}: {response.text[:300]}")
            elif response.status_code >= 400:
                body = response.json()
                if set(body) != {"error"} or "request_id" not in body["error"]:
                    error_shape.append(f"{label}: {response.text[:300]}")

        run()

    try:
        for round_ in range(10):
            if calls >= FUZZ_REQUESTS:
                break
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    fuzz(operation, mode, round_)
    finally:
        asgi.shutdown_lifespans()  # closes the app's pool

    print(f"schemathesis: {calls} requests over {len(operations)} operations, {len(server_errors)} answered 5xx")
    assert calls >= FUZZ_REQUESTS  # the fuzzer really ran
    assert not server_errors, "\n".join(server_errors[:20])
    assert not error_shape, "\n".join(error_shape[:20])


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    # Thousands of request lines would only slow the run down.
    caplog.set_level("WARNING", logger="pgrec.api")
