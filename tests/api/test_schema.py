"""The OpenAPI schema, the offline docs, and a schemathesis run against the WSGI app.

Schemathesis generates requests from the schema (valid and edge-case parameters, slugs and
ids) and checks each response: never a 5xx, a status code, content type, headers and body
that the schema documents.
"""

import pytest
import schemathesis
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from schemathesis import checks

from config.wsgi import application

ENDPOINTS = ["companies", "authorities", "laws", "lawsuits", "settlements", "violations"]


def test_schema_is_openapi_3_with_every_endpoint_and_filter(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for endpoint in ENDPOINTS:
        assert f"/api/{endpoint}/" in schema["paths"]
    settlement_list = schema["paths"]["/api/settlements/"]["get"]
    parameters = {parameter["name"] for parameter in settlement_list["parameters"]}
    assert {"company", "year", "amount_min", "sort", "page", "page_size"} <= parameters
    assert {"400", "429"} <= set(settlement_list["responses"])
    assert "404" in schema["paths"]["/api/settlements/{id}/"]["get"]["responses"]
    settlement = schema["components"]["schemas"]["Settlement"]["properties"]
    assert settlement["amount"]["type"] == "string"
    assert settlement["announced_on"]["pattern"] == r"^\d{4}(-\d{2}(-\d{2})?)?$"


def test_schema_generates_without_warnings_and_validates(tmp_path):
    """drf-spectacular's warnings also fail ``check --deploy``: there must be none."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))

    schema = yaml.safe_load((tmp_path / "s.yml").read_text())
    company = next(
        parameter
        for parameter in schema["paths"]["/api/violations/"]["get"]["parameters"]
        if parameter["name"] == "company"
    )
    assert company["schema"]["type"] == "string"


def test_schema_offers_only_reads(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    methods = {method for path in schema["paths"].values() for method in path}
    assert methods == {"get"}


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_load_their_assets_from_our_own_static_files(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
    assert "unpkg" not in html.lower()


def test_docs_assets_are_installed():
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")


schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

SCHEMA_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def wsgi_requests_share_the_test_transaction(monkeypatch):
    """Django's own test client does the same: the request must not close the connection
    that holds the test's transaction, or the rows the test made would vanish."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": None})
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": None})
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same requests on every run, so CI is not a lottery
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, records, wsgi_requests_share_the_test_transaction):
    case.call_and_validate(checks=SCHEMA_CHECKS)
