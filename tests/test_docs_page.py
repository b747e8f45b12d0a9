"""server/docs_page.py: the document /openapi.json serves to Swagger UI."""

from __future__ import annotations

from server.docs_page import escape_markup, escaped_descriptions, served_spec
from server.openapi31 import load_spec


def test_angle_brackets_are_escaped_outside_code_spans_only() -> None:
    assert (
        escape_markup("Session identifier (<ulid>.<zone>).")
        == "Session identifier (&lt;ulid&gt;.&lt;zone&gt;)."
    )
    assert escape_markup("token `<turn id>:<n>` then <b>") == "token `<turn id>:<n>` then &lt;b&gt;"
    assert escape_markup("``a <`b`> c`` <x>") == "``a <`b`> c`` &lt;x&gt;"


def test_descriptions_are_escaped_but_examples_and_defaults_are_data() -> None:
    document = {
        "description": "<a>",
        "properties": {"description": {"type": "string", "description": "x <y>"}},
        "example": {"description": "<kept>"},
        "examples": [{"description": "<kept>"}],
        "default": "<kept>",
    }
    assert escaped_descriptions(document) == {
        "description": "&lt;a&gt;",
        "properties": {"description": {"type": "string", "description": "x &lt;y&gt;"}},
        "example": {"description": "<kept>"},
        "examples": [{"description": "<kept>"}],
        "default": "<kept>",
    }


def test_the_served_spec_keeps_the_templated_servers_with_the_readers_defaults() -> None:
    spec = load_spec()
    served = served_spec(escaped_descriptions(spec), scheme="https", host="h.example:8443", tenant="acme")
    (server,) = served["servers"]
    assert server["url"] == "{scheme}://{host}/{tenantName}"
    assert {name: v["default"] for name, v in server["variables"].items()} == {
        "scheme": "https",
        "host": "h.example:8443",
        "tenantName": "acme",
    }
    for probe in ("/healthz", "/readyz"):
        (root,) = served["paths"][probe]["servers"]
        assert root["url"] == "{scheme}://{host}"
        assert {name: v["default"] for name, v in root["variables"].items()} == {
            "scheme": "https",
            "host": "h.example:8443",
        }
    session_id = served["components"]["parameters"]["SessionId"]
    assert session_id["description"] == "Session identifier (&lt;ulid&gt;.&lt;zone&gt;)."
    # The spec itself is left as it was: the page's copy is made per request.
    assert spec["servers"][0]["variables"]["tenantName"]["default"] == "truefoundry"
    assert "<ulid>" in spec["components"]["parameters"]["SessionId"]["description"]
