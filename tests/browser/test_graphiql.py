"""GraphiQL at `/graphql` works in a real browser on a closed network.

Debian's Chromium, driven by Playwright, opens the page served by `customer-gateway
serve`, types a query for seeded customers, runs it and reads their emails in the
result pane, then finds `Customer` in the documentation explorer. Every request to
anything but this server is refused and recorded: the page must not need a CDN.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright

from gateway.config import SandboxSettings
from gateway.graphiql import DEMO_NOTE, TABS
from gateway.model import ProviderName
from sandboxes.seed import people
from tests.servers import Server, start_gateway

CHROMIUM = Path("/usr/bin/chromium")
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
UI_DEADLINE_MS = 30_000
"""How long to wait for the page to react before giving up (not an assertion)."""
CUSTOMERS = 4
TAB_NAMES = (
    "CustomersAcrossProviders",
    "OneCustomer",
    "ProviderCapabilities",
    "CreateCustomer",
    "UpdateWithVersion",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_gateway(tmp_path_factory.mktemp("gateway"))
    try:
        yield running
    finally:
        running.stop()


def seeded_emails(server: Server) -> list[str]:
    """Emails of seeded customers, taken in turn from each enabled provider."""
    statuses = httpx.post(
        f"{server.url}/graphql",
        json={"query": "{ providers { provider enabled } }"},
        timeout=30.0,
    ).json()["data"]["providers"]
    enabled = [ProviderName[s["provider"]] for s in statuses if s["enabled"]]
    assert enabled, "no provider is enabled"
    settings = SandboxSettings()
    population = people(settings.seed, settings.people)
    pools = [iter([p for p in population if provider in p.providers]) for provider in enabled]
    emails: list[str] = []
    chosen: set[str] = set()
    while len(emails) < max(CUSTOMERS, len(enabled)):
        turn = len(emails) % len(enabled)
        person = next(p for p in pools[turn] if p.key not in chosen)
        chosen.add(person.key)
        emails.append(person.email_in(enabled[turn]))
    return emails


def query_for(emails: list[str]) -> str:
    fields = "\n".join(
        f'  c{i}: customers(filter: {{ email: "{email}" }}) {{ nodes {{ provider email }} }}'
        for i, email in enumerate(emails)
    )
    return "{\n" + fields + "\n}"


def closed_network(page: Page, server: Server) -> list[str]:
    """Refuse every request that leaves this server; the list records them."""
    own = urlparse(server.url).netloc
    refused: list[str] = []

    def handle(route: Route) -> None:
        if urlparse(route.request.url).netloc == own:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return refused


@contextlib.contextmanager
def browsing(server: Server) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A Chromium page on a closed network, with the requests it tried to send elsewhere
    and the script errors it raised."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/bootstrap does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            refused = closed_network(page, server)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page, refused, errors
        finally:
            browser.close()


def test_graphiql_runs_a_query_and_documents_the_schema(server: Server, tmp_path: Path) -> None:
    emails = seeded_emails(server)

    with browsing(server) as (page, refused, errors):
        page.goto(f"{server.url}/graphql")
        editor = page.locator(".graphiql-query-editor .CodeMirror")
        expect(editor).to_be_visible(timeout=UI_DEADLINE_MS)
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(query_for(emails))
        page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()

        result = page.locator(".result-window")
        for email in emails:
            expect(result).to_contain_text(f'"{email}"', timeout=UI_DEADLINE_MS)
        expect(result).not_to_contain_text('"errors"')

        page.get_by_role("button", name="Show Documentation Explorer").click()
        docs = page.locator(".graphiql-doc-explorer")
        docs.get_by_role("link", name="Customer", exact=True).first.click()
        expect(docs.locator(".graphiql-doc-explorer-title")).to_have_text(
            "Customer", timeout=UI_DEADLINE_MS
        )
        expect(docs).to_contain_text("email", timeout=UI_DEADLINE_MS)

        page.screenshot(path=tmp_path / "graphiql.png", full_page=True)

    assert (tmp_path / "graphiql.png").stat().st_size > 0
    assert refused == [], "GraphiQL tried to leave this server"
    assert errors == []


def test_graphiql_opens_on_example_tabs_and_runs_one(server: Server, tmp_path: Path) -> None:
    """The examples open as tabs, named by their operations; one runs; the demo note shows."""

    with browsing(server) as (page, refused, errors):
        page.goto(f"{server.url}/graphql")
        tabs = page.locator(".graphiql-tab")
        expect(tabs).to_have_count(len(TABS), timeout=UI_DEADLINE_MS)
        for name in TAB_NAMES:
            expect(tabs.filter(has_text=name)).to_have_count(1)
        expect(page.get_by_role("note")).to_have_text(DEMO_NOTE, timeout=UI_DEADLINE_MS)
        expect(page.locator(".graphiql-query-editor")).not_to_contain_text("Welcome to GraphiQL")

        tabs.filter(has_text="ProviderCapabilities").locator("button").first.click()
        expect(page.locator(".graphiql-query-editor")).to_contain_text(
            "query ProviderCapabilities", timeout=UI_DEADLINE_MS
        )
        page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
        result = page.locator(".result-window")
        expect(result).to_contain_text('"writableFields"', timeout=UI_DEADLINE_MS)
        expect(result).to_contain_text('"provider": "SQUARE"', timeout=UI_DEADLINE_MS)
        expect(result).not_to_contain_text('"errors"')
        page.screenshot(path=tmp_path / "tabs.png", full_page=True)

    assert refused == [], "GraphiQL tried to leave this server"
    assert errors == []
