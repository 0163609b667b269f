"""Contract test of /api: schemathesis generates requests from the OpenAPI schema and checks
that no server error happens and every answer matches its declared schema (bounded examples)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from dashboard_sample import seed_sample
from hypothesis import HealthCheck, given, settings

from dashboard.app import create_app
from storage.db import get_engine, session_scope

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_api_contract(sqlite_url: str) -> None:
    """Every operation, a bounded number of generated requests each (schemathesis' pytest
    plugin for fixtures, ``from_fixture``, breaks on pytest 9: the strategies are driven here)."""
    with session_scope(get_engine(sqlite_url)) as session:
        seed_sample(session)
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", create_app(sqlite_url, hosts="testserver")  # the ASGI client's Host
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate()

        check()


def test_schema_lists_the_api(sqlite_url: str) -> None:
    from fastapi.testclient import TestClient

    paths = TestClient(create_app(sqlite_url), base_url="http://127.0.0.1").get("/api/openapi.json").json()["paths"]
    assert {
        "/api/matches",
        "/api/articles/{article_id}",
        "/api/outlets",
        "/api/runs",
        "/api/deliveries",
    } <= set(paths)
    assert all(p.startswith("/api/") for p in paths)  # pages, forms and exports are not API
