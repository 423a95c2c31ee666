"""GraphiQL at /graphql in a real headless Chromium: no console errors, no CSP violations, a query and a
subscription run."""

from __future__ import annotations

import uuid

import httpx

from tests.support.browser import BROWSER_ACCEPT, chromium_path
from tests.support.graphql import CREATE, session_query, single_session_info
from tests.support.live_server import LiveServer, run_node
from tests.support.paths import ARTIFACTS

SESSION_NOTES = session_query("notes")


def test_graphiql_runs_a_query_with_a_bearer_token_from_the_headers_tab(live_server: LiveServer) -> None:
    created = live_server.data(CREATE, {"info": single_session_info(notes="Visible to staff only")})
    session_id = created["createSession"]["_id"]
    query = f'{{\n  session(id: "{session_id}") {{\n    _id\n    notes\n    status\n  }}\n}}'
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "graphiql.png"
    screenshot.unlink(missing_ok=True)

    report = run_node(
        "graphiql.mjs",
        live_server.graphql_url,
        chromium_path(),
        str(screenshot),
        live_server.tokens.staff,
        query,
    )

    assert report["status"] == 200
    assert report["consoleErrors"] == [] and report["pageErrors"] == [], report
    assert report["cspViolations"] == [] and report["failedRequests"] == [], report
    # `notes` needs a staff token: it is in the result only if the Headers tab's token was sent.
    result = report["result"].replace("\u00a0", " ")
    assert '"notes": "Visible to staff only"' in result, result
    assert session_id in result
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000


def test_graphiql_csp_allows_only_self_hosted_assets(live_server: LiveServer) -> None:
    page = httpx.get(live_server.graphql_url, headers={"Accept": BROWSER_ACCEPT})
    script = httpx.get(f"{live_server.url}/graphql/static/graphiql.js")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = {
        directive.split()[0]: directive.split()[1:]
        for directive in (part.strip() for part in page.headers["content-security-policy"].split(";"))
        if directive
    }
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    sources = [source for values in csp.values() for source in values]
    assert not [source for source in sources if source.startswith(("http", "'unsafe", "*"))], csp
    assert "<script>" not in page.text and "https://" not in page.text
    assert script.status_code == 200 and script.headers["x-content-type-options"] == "nosniff"


def test_graphiql_subscription_receives_a_mutation_made_over_http(live_server: LiveServer) -> None:
    schedule = f"graphiql-{uuid.uuid4().hex[:8]}"
    created = live_server.data(CREATE, {"info": single_session_info(scheduleId=schedule)})
    session_id = created["createSession"]["_id"]
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "graphiql-subscription.png"
    screenshot.unlink(missing_ok=True)
    staff = live_server.tokens.staff  # the same token is sent and then looked for in connection_init

    report = run_node(
        "graphiql-subscription.mjs",
        live_server.graphql_url,
        chromium_path(),
        str(screenshot),
        staff,
        live_server.tokens.admin,
        schedule,
        session_id,
    )

    assert report["consoleErrors"] == [] and report["pageErrors"] == [], report
    assert report["cspViolations"] == [] and report["failedRequests"] == [], report
    # One same-origin socket, authenticated by the Headers tab's token in connection_init.
    assert report["socketUrls"] == [live_server.ws_url], report
    assert report["connectionInit"]["payload"] == {"Authorization": f"Bearer {staff}"}
    result = report["result"]
    assert f'"notes": "{report["notes"]}"' in result and session_id in result, result
    # What the page showed is what the server stored.
    stored = live_server.data(SESSION_NOTES, {"id": session_id})["session"]
    assert stored["notes"] == report["notes"]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
