"""The deployment files are valid, locked down, and name only what the gateway has.

Validated offline: the Kubernetes schemas ship with `kubernetes-validate` (strict:
an unknown field is an error, as `kubectl apply --validate=strict` would say), the
compose specification's schema is vendored under deploy/schemas/.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from gateway.app import create_app
from gateway.cli import sandbox_app
from gateway.config import SandboxSettings, Settings
from gateway.providers import SPECS
from gateway.startup import check_startup, load_settings
from tests.conftest import make_settings
from tests.ops.manifests import (
    COMPOSE_SCHEMA,
    DOCKERFILE,
    LOCK,
    ROOT,
    compose,
    json_file,
    kubernetes_files,
    kubernetes_resources,
    resource,
)

KUBERNETES_VERSION = "1.30"
"""The oldest Kubernetes the manifests are meant for (autoscaling/v2, policy/v1 are GA)."""

NOT_SETTINGS = {"PORT"}
"""Read by `serve` itself (gateway/cli.py), not a `Settings` field."""


def container() -> dict[str, Any]:
    spec: dict[str, Any] = resource("Deployment")["spec"]["template"]["spec"]
    containers: list[dict[str, Any]] = spec["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.mark.parametrize("path", kubernetes_files(), ids=lambda p: p.name)
def test_each_kubernetes_manifest_validates_against_its_schema(path: Path) -> None:
    docs = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    assert docs
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_schemas_catch_a_misspelled_field() -> None:
    broken = copy.deepcopy(resource("Deployment"))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_resource_the_deployment_needs_is_there() -> None:
    kinds = sorted(doc["kind"] for doc in kubernetes_resources())
    assert kinds == sorted(
        [
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Secret",
            "Service",
        ]
    )
    assert resource("HorizontalPodAutoscaler")["apiVersion"] == "autoscaling/v2"
    labels = resource("Deployment")["spec"]["template"]["metadata"]["labels"]
    for kind in ("Service", "PodDisruptionBudget", "NetworkPolicy"):
        spec = resource(kind)["spec"]
        selector = spec.get("selector") or spec["podSelector"]
        selected = selector.get("matchLabels", selector)
        assert selected.items() <= labels.items(), kind


def test_the_compose_file_validates_against_the_compose_specification() -> None:
    schema = json_file(COMPOSE_SCHEMA)
    # Its `$schema` lacks the trailing `#` that jsonschema looks up: name the draft here.
    assert "draft-07" in schema["$schema"]
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    validator.validate(compose())
    broken = compose()
    broken["services"]["gateway"]["enviroment"] = {}
    assert not validator.is_valid(broken)


def test_the_compose_stack_is_two_gateways_behind_a_balancer_sharing_redis() -> None:
    services = compose()["services"]
    gateway = services["gateway"]
    assert gateway["deploy"]["replicas"] == 2
    assert gateway["environment"]["GATEWAY_MODE"] == "demo"
    assert gateway["environment"]["CACHE__URL"].startswith("redis://redis:")
    assert gateway["environment"]["SANDBOX_URL"] == "http://sandbox:8100"
    assert services["sandbox"]["command"][:2] == ["customer-gateway", "sandbox"]
    assert "8100" in services["sandbox"]["command"]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "server gateway:8000 resolve;" in nginx
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["lb"]["volumes"]


def test_the_gateway_container_is_non_root_read_only_and_bounded() -> None:
    pod = resource("Deployment")["spec"]["template"]["spec"]
    gateway = container()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    security = gateway["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= gateway["resources"]["requests"].keys()
    assert "memory" in gateway["resources"]["limits"]
    tmp = [m for m in gateway["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert len(tmp) == 1
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[tmp[0]["name"]]


def test_the_probes_ask_paths_the_apps_serve() -> None:
    gateway = container()
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    served = {getattr(route, "path", None) for route in create_app(make_settings()).routes}
    probes = [gateway[p]["httpGet"] for p in ("livenessProbe", "readinessProbe", "startupProbe")]
    assert {probe["path"] for probe in probes} <= served
    ports = {port["name"]: port["containerPort"] for port in gateway["ports"]}
    assert {probe["port"] for probe in probes} <= ports.keys()
    env = {e["name"]: e.get("value") for e in gateway["env"]}
    assert env["PORT"] == str(ports["http"])
    sandbox_paths = [
        getattr(route, "path", None) for route in sandbox_app(SandboxSettings()).routes
    ]
    assert "/sandbox" in sandbox_paths  # the compose sandbox healthcheck asks /sandbox/_stats


def kubernetes_environment() -> dict[str, str]:
    """What the gateway container's environment would hold, Secret placeholders included."""
    env = dict(resource("ConfigMap")["data"])
    env |= resource("Secret")["stringData"]
    for entry in container()["env"]:
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            assert ref["name"] == resource("Secret")["metadata"]["name"]
            env[entry["name"]] = resource("Secret")["stringData"][ref["key"]]
    refs = container()["envFrom"]
    assert refs == [{"configMapRef": {"name": resource("ConfigMap")["metadata"]["name"]}}]
    return env


def compose_environment() -> dict[str, str]:
    return {k: str(v) for k, v in compose()["services"]["gateway"]["environment"].items()}


def load_from(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as `serve` would load and check them with exactly `environment`."""
    sections = {name.upper() for name in Settings.model_fields}
    for name in os.environ:
        if name.split("__")[0] in sections or name in NOT_SETTINGS:
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(env_file=None)
    check_startup(settings)
    return settings


@pytest.mark.parametrize(
    ("environment", "mode"),
    [(kubernetes_environment, "production"), (compose_environment, "demo")],
    ids=["kubernetes", "compose"],
)
def test_every_variable_the_manifests_set_is_a_setting(
    environment: Any, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env: dict[str, str] = environment()
    for name in set(env) - NOT_SETTINGS:
        # Nested models refuse unknown keys (load_settings says so); the top level would
        # ignore an unknown name, so it is checked here.
        assert name.split("__")[0].lower() in Settings.model_fields, name
    settings = load_from(env, monkeypatch)
    assert settings.mode.value == mode
    if mode == "production":
        assert all(settings.provider(spec.name).is_live for spec in SPECS)


def test_the_dockerfile_pins_its_base_and_installs_from_the_lock() -> None:
    lines = [
        line.strip()
        for line in DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    (base,) = [line for line in lines if line.startswith("FROM ")]
    assert re.fullmatch(r"FROM python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base)
    order = [line.split()[1] for line in lines if line.startswith("COPY ")]
    assert order.index("requirements.lock") < order.index("gateway")
    assert "RUN pip install -r requirements.lock" in lines
    assert any(line.startswith("RUN pip install --no-deps .") for line in lines)
    (user,) = [line for line in lines if line.startswith("USER ")]
    assert user.split()[1].split(":")[0] not in {"root", "0"}
    (health,) = [line for line in lines if line.startswith("HEALTHCHECK ")]
    assert "os.environ.get('PORT'" in health
    assert "/healthz" in health


def test_the_lock_pins_every_runtime_dependency() -> None:
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dependency in project["dependencies"]:
        requirement = Requirement(dependency)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: refresh it (see its header)"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]}: refresh"
    assert canonicalize_name("pytest") not in pins
