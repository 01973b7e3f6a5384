"""Schemathesis against each service's OpenAPI description, over HTTP to the services as
deployed: no request is answered 5xx, and every answer's status code, content type and body
are ones the description documents, for a coordinator (who may read everything) and for
staff of one library (who may not: 403s must be documented too).

Bounded: a few dozen examples per operation, derandomized, so the run takes the same requests
each time and stays within a minute or two."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case

from kulkuri.shared.auth import Role
from tests.reliability.fuzz_api_services import (
    HOLLOLA,
    ServedApis,
    bearer,
    described_apis,
    served_apis,
)

pytestmark = [
    pytest.mark.integration,
    # Schemathesis 4.32's strategies call the random module, which Hypothesis warns about.
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module inside strategies"
        ":hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

CALLERS = {"coordinator": bearer(Role.COORDINATOR), "staff": bearer(Role.STAFF, HOLLOLA)}
BOUNDED = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def apis(bootstrap_servers: str, database_url: str) -> Iterator[ServedApis]:
    with served_apis("api-fuzz", database_url=database_url, bootstrap=bootstrap_servers) as apis:
        yield apis


# Left out: whether a schema-valid request is accepted (the services refuse libraries outside
# the network and days without a plan, with documented 404s and 422s) and whether an invalid
# one is refused (a query parameter the description does not name is ignored, as HTTP
# frameworks do); and the Allow header of a 405 (Starlette names the methods of one route
# where two share a path).
NOT_CHECKED = [
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.unsupported_method,
    schemathesis.checks.allow_header_conformance,
]


def answered_as_documented(case: Case[Any], base_url: str) -> None:
    """No 5xx; a documented status, content type, body and headers; 401 without a token."""
    for headers in CALLERS.values():
        case.call_and_validate(base_url=base_url, headers=headers, excluded_checks=NOT_CHECKED)


# The descriptions are read from the apps as built (nothing started), so that each operation
# is a test of its own; the requests go to the running services.
holds, transport, routing = (schemathesis.openapi.from_dict(d) for d in described_apis())


@holds.parametrize()
@BOUNDED
def test_the_holds_api_answers_every_request_as_documented(
    case: Case[Any], apis: ServedApis
) -> None:
    answered_as_documented(case, apis.urls["holds"])


@transport.parametrize()
@BOUNDED
def test_the_transport_api_answers_every_request_as_documented(
    case: Case[Any], apis: ServedApis
) -> None:
    answered_as_documented(case, apis.urls["transport"])


@routing.parametrize()
@BOUNDED
def test_the_routing_api_answers_every_request_as_documented(
    case: Case[Any], apis: ServedApis
) -> None:
    answered_as_documented(case, apis.urls["routing"])


HUGE_LANE = {"from_library": "85708", "to_library": "85033", "crates": 10**15}
SCAN_AT_THE_EDGE = {
    "kind": "pulled",
    "barcode": "x",
    "library": HOLLOLA,
    "scanned_at": "9999-12-31T23:59:59-14:00",
}
# Requests Hypothesis seldom draws that once answered 500 (a day whose next day overflows, a
# NUL in an id that goes into a query) or never answered (a lane the planner splits into
# 10**13 van loads).
EDGES = [
    (
        "holds",
        "GET",
        "/holds/libraries/{library_id}/pull-list",
        f"/holds/libraries/{HOLLOLA}/pull-list?day=9999-12-31",
        None,
    ),
    ("holds", "GET", "/holds/holds/{hold_id}", "/holds/holds/a%00b", None),
    ("holds", "GET", "/holds/titles/{bib_id}/queue", "/holds/titles/a%00b/queue", None),
    (
        "transport",
        "GET",
        "/transport/libraries/{library}/{kind}-list",
        f"/transport/libraries/{HOLLOLA}/pull-list?day=9999-12-31",
        None,
    ),
    (
        "transport",
        "GET",
        "/transport/lists/{kind}",
        "/transport/lists/receiving?day=0001-01-01&format=json",
        None,
    ),
    (
        "transport",
        "POST",
        "/transport/libraries/{library}/packing-plan",
        f"/transport/libraries/{HOLLOLA}/packing-plan?day=9999-12-31",
        None,
    ),
    ("transport", "GET", "/transport/crates/{crate_id}", "/transport/crates/a%00b", None),
    ("transport", "GET", "/transport/transfers/{transfer_id}", "/transport/transfers/a%00b", None),
    (
        "transport",
        "POST",
        "/transport/transfers/{transfer_id}/missing",
        "/transport/transfers/a%00b/missing",
        None,
    ),
    ("transport", "POST", "/transport/scans", "/transport/scans", SCAN_AT_THE_EDGE),
    (
        "routing",
        "POST",
        "/routing/days/{day}/plan",
        "/routing/days/2026-08-04/plan",
        {"lanes": [HUGE_LANE]},
    ),
    (
        "routing",
        "POST",
        "/routing/days/{day}/replan",
        "/routing/days/2026-08-04/replan",
        {"urgent_lanes": [HUGE_LANE]},
    ),
]


@pytest.mark.parametrize(
    ("service", "method", "operation", "url", "body"), EDGES, ids=[e[3] for e in EDGES]
)
def test_requests_at_the_edges_are_refused_with_a_documented_answer(
    apis: ServedApis, service: str, method: str, operation: str, url: str, body: object
) -> None:
    headers = CALLERS["staff" if operation == "/transport/scans" else "coordinator"]
    with httpx.Client(base_url=apis.urls[service], timeout=30) as client:
        answer = client.request(method, url, json=body, headers=headers)
        documented = client.get("/openapi.json").json()["paths"][operation][method.lower()]
    assert answer.status_code < 500, answer.text
    assert str(answer.status_code) in documented["responses"], answer.text
    assert answer.status_code in (404, 422), answer.text
