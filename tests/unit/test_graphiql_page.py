"""The GraphiQL page loads nothing from outside: every asset is ours and intact."""

from __future__ import annotations

import base64
import hashlib
import re

from tests.conftest import Gateway

ASSET = re.compile(r'(?:src|href)="([^"]+\.(?:js|css))"\s+integrity="sha384-([^"]+)"')


async def test_graphiql_page_loads_only_vendored_assets(gateway: Gateway) -> None:
    page = await gateway.client.get("/graphql", headers={"accept": "text/html"})

    assert page.status_code == 200
    assert "<title>Strawberry GraphiQL</title>" in page.text
    assert "https://" not in "".join(re.findall(r'(?:src|href)="[^"]*"', page.text))
    assets = ASSET.findall(page.text)
    assert len(assets) == 7
    for url, integrity in assets:
        assert url.startswith("/graphiql/")
        served = await gateway.client.get(url)
        assert served.status_code == 200, url
        digest = base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == integrity, f"{url} is not the file the page pins"
