"""GraphiQL served from this app, so it works where no CDN is reachable.

Strawberry's GraphiQL page loads React and GraphiQL from unpkg. A gateway on a
closed network (or a laptop offline) would show "Loading..." forever, so the page is
served with those URLs pointing at `/graphiql/`, where the same files are vendored
(`gateway/static/graphiql/`, laid out like unpkg's `<package>@<version>/<path>`).
The page keeps its `integrity` hashes: the browser itself checks that the vendored
files are byte for byte the ones Strawberry pins.

The page opens on this gateway rather than GraphiQL's generic welcome: one tab per
example in `TABS` (GraphiQL's `defaultTabs`), and, when any provider runs on its
emulator, a visible note that the data is emulated (the page asks `providers` for
their modes, so the note can never be shown in production, where no emulator runs).
Strawberry's template is kept and edited at named anchors; a Strawberry upgrade that
moves one fails at import instead of serving a page without tabs.

When a Strawberry upgrade pins other versions, `npm pack` each package the page
names and copy its files to the same paths; tests/unit/test_graphiql_page.py fails
until every asset the page names is served and matches its hash.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from strawberry.fastapi import GraphQLRouter
from strawberry.http.ides import get_graphql_ide_html

ASSETS_URL = "/graphiql/"
ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"
CDN = "https://unpkg.com/"


TABS: tuple[tuple[str, str], ...] = (
    (
        """# Customers from every provider, newest first, with nested data and the same
# person's profiles elsewhere (sameAs). Ctrl-Enter runs it.
query CustomersAcrossProviders {
  customers(first: 5) {
    nodes {
      id provider email displayName version
      addresses { label city country }
      paymentSources { brand last4 isDefault }
      orders(first: 2) { nodes { total { amount currency } } }
      sameAs { provider email }
    }
    pageInfo { hasNextPage endCursor }
  }
}
""",
        "",
    ),
    (
        """# One customer by its global id: paste an id from the first tab into Variables.
query OneCustomer($id: ID!) {
  customer(id: $id) {
    id provider providerId version email givenName familyName displayName phone
    addresses { id label line1 city region postalCode country }
  }
}
""",
        '{"id": "paste an id from CustomersAcrossProviders"}',
    ),
    (
        """# What each provider stores and does: render only these fields in a form.
query ProviderCapabilities {
  providers {
    provider enabled mode
    capabilities {
      writableFields derivedFields addressFields maxAddresses operations
      fixedAddressValues { field value }
      paymentSources { readable attach detach setDefault defaultOnAttach }
      callerChosenId { maxLength pattern }
      forgetOutcome listPageSize maxPageSize
      rateLimit { requestsPerSecond concurrent scope }
    }
  }
}
""",
        "",
    ),
    (
        """# Create a customer; a retry with the same idempotencyKey creates no second one.
mutation CreateCustomer {
  createCustomer(input: {
    provider: SQUARE, givenName: "Ada", familyName: "Lovelace",
    email: "ada@example.com", idempotencyKey: "graphiql-example-1"
  }) {
    customer { id version displayName }
    userErrors { field code message }
  }
}
""",
        "",
    ),
    (
        """# Update with the version you read: a stale one answers CONFLICT and changes nothing.
# Put the id and version from CreateCustomer (or any read) into Variables.
mutation UpdateWithVersion($id: ID!, $version: String) {
  updateCustomer(input: { id: $id, expectedVersion: $version, note: "Called back" }) {
    customer { id version note }
    userErrors { field code message }
  }
}
""",
        '{"id": "paste a customer id", "version": "paste its version"}',
    ),
)
"""(query, variables) of each tab GraphiQL opens with; tabs are named by operation."""

DEMO_NOTE = (
    "Demo mode: the data here is emulated by built-in sandboxes; writes reach no real provider."
)
_NOTE_HTML = f"""
    <div id="demo-note" role="note" hidden
      style="position:fixed;right:16px;bottom:16px;z-index:10;max-width:420px;
             padding:10px 14px;border-radius:6px;background:#fff3cd;color:#664d03;
             border:1px solid #ffda6a;font:14px system-ui,sans-serif">{DEMO_NOTE}</div>
    <script>
      fetch(window.location.href.split("?")[0], {{
        method: "POST",
        headers: {{ "content-type": "application/json" }},
        body: JSON.stringify({{ query: "{{ providers {{ mode }} }}" }}),
      }})
        .then((response) => response.json())
        .then((body) => {{
          const modes = ((body.data || {{}}).providers || []).map((p) => p.mode);
          document.getElementById("demo-note").hidden = !modes.includes("sandbox");
        }})
        .catch(() => {{}});
    </script>
  </body>"""


_FETCHER = """// GraphiQL reads the operation name a moment after the text: run right after an
      // edit, it can name an operation the text no longer has. Only a name it has is sent.
      function fetcher(params, options) {
        const name = params.operationName;
        const word = "[^A-Za-z0-9_]";
        const named = name && new RegExp(`(^|${word})${name}(${word}|$)`).test(params.query || "");
        return sendTo(named ? params : { ...params, operationName: undefined }, options);
      }

      function GraphiQLWithExplorer() {"""


def _edited(page: str, anchor: str, replacement: str) -> str:
    if page.count(anchor) != 1:
        raise RuntimeError(f"Strawberry's GraphiQL page changed: {anchor!r} not found once")
    return page.replace(anchor, replacement)


def local_page() -> str:
    """Strawberry's GraphiQL page on vendored assets, opening on this gateway's examples."""
    tabs = json.dumps([{"query": q, "variables": v} for q, v in TABS])
    page = get_graphql_ide_html("graphiql").replace(CDN, ASSETS_URL)
    page = _edited(
        page,
        "const EXAMPLE_QUERY = `",
        f"const DEFAULT_TABS = {tabs};\n      const EXAMPLE_QUERY = `",
    )
    page = _edited(page, "parameters.q || EXAMPLE_QUERY", "parameters.q")
    # GraphiQL replaces the editor's text whenever these props change; fed back from
    # onEdit they lag a tab switch behind, so they only carry a shared link's ?q=.
    page = _edited(page, "query: query,", "query: parameters.q,")
    page = _edited(page, "variables: variables,", "variables: parameters.variables,")
    page = _edited(
        page, "const fetcher = GraphiQL.createFetcher(", "const sendTo = GraphiQL.createFetcher("
    )
    page = _edited(page, "function GraphiQLWithExplorer() {", _FETCHER)
    page = _edited(
        page,
        "inputValueDeprecation: true,",
        "inputValueDeprecation: true,\n          defaultTabs: DEFAULT_TABS,\n"
        '          defaultQuery: "# A new tab: write a query here.\\n",',
    )
    return _edited(page, "</body>", _NOTE_HTML.lstrip("\n"))


def assets() -> StaticFiles:
    return StaticFiles(directory=ASSETS_DIR)


class LocalGraphiQLRouter(GraphQLRouter):
    """Strawberry's router, answering browsers with the self-contained GraphiQL page."""

    page = local_page()

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self.page)
