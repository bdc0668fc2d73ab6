"""GraphiQL served from this app, so it works where no CDN is reachable.

Strawberry's GraphiQL page loads React and GraphiQL from unpkg. A gateway on a
closed network (or a laptop offline) would show "Loading..." forever, so the page is
served with those URLs pointing at `/graphiql/`, where the same files are vendored
(`gateway/static/graphiql/`, laid out like unpkg's `<package>@<version>/<path>`).
The page keeps its `integrity` hashes: the browser itself checks that the vendored
files are byte for byte the ones Strawberry pins.

When a Strawberry upgrade pins other versions, `npm pack` each package the page
names and copy its files to the same paths; tests/unit/test_graphiql_page.py fails
until every asset the page names is served and matches its hash.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from strawberry.fastapi import GraphQLRouter
from strawberry.http.ides import get_graphql_ide_html

ASSETS_URL = "/graphiql/"
ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"
CDN = "https://unpkg.com/"


def local_page() -> str:
    """Strawberry's GraphiQL page with its CDN URLs pointing at our vendored copies."""
    return get_graphql_ide_html("graphiql").replace(CDN, ASSETS_URL)


def assets() -> StaticFiles:
    return StaticFiles(directory=ASSETS_DIR)


class LocalGraphiQLRouter(GraphQLRouter):
    """Strawberry's router, answering browsers with the self-contained GraphiQL page."""

    page = local_page()

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self.page)
