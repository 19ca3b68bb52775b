"""schemathesis against the service's own OpenAPI description: valid and invalid requests
generated from the schema of every route; none may get a 5xx."""

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

EXAMPLES = 40  # per route and mode: about 300 requests in all


@pytest.fixture(scope="module")
def api_schema(served):
    from aekit.serve.app import create_app

    return schemathesis.openapi.from_asgi("/openapi.json", create_app(served / "det"))


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_generated_request_gets_a_server_error(api_schema, mode):
    # the operations are driven here rather than by schemathesis' pytest plugin, whose
    # fixture support does not run under this pytest
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/score", "/v1/explain", "/health", "/metrics"}
    for operation in operations:
        if mode == "negative" and operation.method.upper() == "GET":
            continue  # no parameters and no body: nothing to get wrong
        strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))

        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def check(case):
            response = case.call()
            assert response.status_code < 500, (case.as_curl_command(), response.text)
            if response.status_code >= 400:
                assert set(response.json()) == {"error", "detail"}, response.text

        check()
