"""`/docs/` as a newcomer uses it: Swagger UI 5 in Debian's headless Chromium (driven by Playwright,
never a browser download of its own) renders the 3.1 spec, authorises, and "Try it out" creates a
session and cancels it against the live server. Plus `/openapi.json` over HTTP."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from contract_tests.conftest import make_agent
from testkit.servers import ServerThread

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: `make browser`
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(tempfile.gettempdir()) / "agent-harness-docs.png"
WAIT_MS = 30_000  # a loaded machine renders a 1.7 MB bundle slowly


def test_openapi_json_presets_the_tenant_and_host_of_the_request(server: ServerThread) -> None:
    document = httpx.get(f"{server.root}/openapi.json", params={"tenant": "acme"}, timeout=10).json()
    variables = document["servers"][0]["variables"]
    assert document["servers"][0]["url"] == "{scheme}://{host}/{tenantName}"
    assert variables["tenantName"]["default"] == "acme"
    assert variables["host"]["default"] == f"127.0.0.1:{server.port}"
    assert document["paths"]["/healthz"]["servers"][0]["url"] == "{scheme}://{host}"
    default = httpx.get(f"{server.root}/openapi.json", timeout=10).json()
    assert default["servers"][0]["variables"]["tenantName"]["default"] == "truefoundry"


def test_openapi_json_refuses_a_tenant_that_is_no_tenant_name(server: ServerThread) -> None:
    response = httpx.get(f"{server.root}/openapi.json", params={"tenant": "Not/A tenant"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "tenant"


def test_docs_redirects_to_the_page_which_loads_swagger_ui_5(server: ServerThread) -> None:
    response = httpx.get(f"{server.root}/docs?tenant=acme", timeout=10)
    assert response.status_code == 307
    assert response.headers["location"].endswith("/docs/?tenant=acme")
    page = httpx.get(f"{server.root}/docs/", timeout=10)
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    bundle = httpx.get(f"{server.root}/docs/swagger-ui-bundle.js", timeout=10)
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]


@pytest.fixture
def browser_page() -> Iterator[Page]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
        pytest.skip(f"no {CHROMIUM} (`make browser` installs it, as root on Debian)")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def _execute(operation: Locator, expected_status: str) -> str:
    """Press Execute; the status and body the page's response panel shows."""
    operation.locator("button.execute").click()
    answer = operation.locator(".live-responses-table tbody tr.response")
    expect(answer.locator("td.response-col_status")).to_have_text(expected_status, timeout=WAIT_MS)
    answer.scroll_into_view_if_needed()  # for the screenshot
    return answer.locator("td.response-col_description pre").first.inner_text()


def test_try_it_out_creates_and_cancels_a_session_from_the_docs_page(
    server: ServerThread, client: httpx.Client, browser_page: Page
) -> None:
    make_agent(client, "docs-echo")
    page = browser_page
    page.goto(f"{server.root}/docs/")
    try:
        page.locator(".opblock").first.wait_for(timeout=WAIT_MS)
        expect(page.locator(".servers")).to_contain_text(f"http://127.0.0.1:{server.port}/truefoundry")
        # The description that used to render as "Session identifier (.)".
        page.locator("button.authorize").first.click()
        page.locator(".modal-ux input[type=text]").first.fill("dev-user")
        page.locator(".modal-ux button.authorize").click()
        page.locator(".modal-ux button.btn-done").click()

        create = page.locator("#operations-Agent_Harness-createSession")
        create.locator(".opblock-summary").click()
        create.locator("button.try-out__btn").click()
        create.locator("textarea.body-param__text").fill('{"agent_name": "docs-echo"}')
        session_id = json.loads(_execute(create, "201"))["data"]["id"]

        cancel = page.locator("#operations-Agent_Harness-cancelSession")
        cancel.locator(".opblock-summary").click()
        expect(cancel).to_contain_text("Session identifier (<ulid>.<zone>)")
        cancel.locator("button.try-out__btn").click()
        cancel.locator("tr[data-param-name=sessionId] input").fill(session_id)
        _execute(cancel, "200")
    finally:
        page.screenshot(path=str(SCREENSHOT))  # the viewport: where the last Execute scrolled to
    # The session the page made is the API's, owned by the token the page authorised with.
    got = client.get(f"/agents/sessions/{session_id}", headers={"Authorization": "Bearer dev-user"})
    assert got.status_code == 200, got.text
