"""The deployment files, loaded: shared by the manifest and dashboard tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
COMPOSE = DEPLOY / "docker-compose.yml"
COMPOSE_SCHEMA = DEPLOY / "schemas" / "compose-spec.json"
DASHBOARD = DEPLOY / "grafana" / "customer-gateway.json"
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"


def kubernetes_files() -> list[Path]:
    """Every manifest, the example Secret under examples/ included."""
    return sorted(KUBERNETES.rglob("*.yaml"))


def kubernetes_resources() -> list[dict[str, Any]]:
    return [
        doc
        for path in kubernetes_files()
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc
    ]


def resource(kind: str) -> dict[str, Any]:
    """The one resource of `kind`."""
    found = [doc for doc in kubernetes_resources() if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def json_file(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
