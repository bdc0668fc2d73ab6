"""Demo serves emulators loudly, production never does, and a wrong setting stops the start.

A wrong setting ends the process with status 2 and one line on stderr naming the
variable, never its value. The table cases call `settings_for`, the function `main`
calls before uvicorn starts; a few real processes check status, stderr and serving.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from gateway import cli
from gateway.app import create_app
from gateway.auth.api_keys import digest
from gateway.config import GatewayMode, Settings
from gateway.errors import InvalidSettings
from gateway.ports import free_port
from gateway.providers import SPECS
from gateway.registry import needs_sandbox
from sandboxes.square.app import DEMO_ACCESS_TOKEN
from tests.conftest import live_credentials, make_settings
from tests.servers import clean_env, cli_executable, start_gateway, start_sandbox

ROOT = Path(__file__).resolve().parents[1]
SECRET = "sk_live_never-echo-7f3a9c"
LIVE = live_credentials(SECRET)
ONLY_SQUARE = {f"{s.key.upper()}__ENABLED": "false" for s in SPECS if s.key != "square"}
EXIT_DEADLINE_S = 60.0
"""A refused start ends at once; this only keeps a broken check from hanging the suite."""

Use = Callable[[dict[str, str]], None]


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Use:
    """A machine with none of our variables and an empty working directory (no `.env`)."""
    ours = (*Settings.model_fields, "port")
    for name in list(os.environ):
        if name.lower().startswith(ours):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def set_variables(variables: dict[str, str]) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_variables


def refusal(capsys: pytest.CaptureFixture[str], command: str = "serve") -> str:
    """What `command` prints when it refuses to start; it must refuse with status 2."""
    with pytest.raises(SystemExit) as exited:
        cli.settings_for(command)
    assert exited.value.code == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("customer-gateway: invalid settings: ")
    assert stderr.count("\n") == 1
    assert stderr.endswith("\n")
    return stderr


REFUSED: list[tuple[dict[str, str], str]] = [
    (
        {"SQUARE__ACCES_TOKEN": SECRET},
        "SQUARE__ACCES_TOKEN: unknown variable; did you mean SQUARE__ACCESS_TOKEN?",
    ),
    (
        {"square__acces_token": SECRET, "GATEWAY_MODE": "demo"},
        "SQUARE__ACCES_TOKEN: unknown variable",
    ),
    (
        {"SQUARE_ACCESS_TOKEN": SECRET},
        "SQUARE_ACCESS_TOKEN: unknown variable; did you mean SQUARE__ACCESS_TOKEN?",
    ),
    ({"CACHE__TTL": "5"}, "CACHE__TTL: unknown variable; "),
    ({"LIMITS__MAX_DEPT": "3"}, "LIMITS__MAX_DEPT: unknown variable; did you mean LIMITS__MAX_"),
    ({"SANDBOX__PEEPLE": "3"}, "did you mean SANDBOX__PEOPLE?"),
    ({"SANDBOX__FAULTS": '{"square": {"latncy": 5}}'}, "SANDBOX__FAULTS (at square.latncy)"),
    (
        {"ELASTICPATH__CLIENT_ID": "client-1"},
        "ELASTICPATH__CLIENT_ID is set without ELASTICPATH__CLIENT_SECRET",
    ),
    (
        {"ELASTICPATH__CLIENT_SECRET": SECRET, "GATEWAY_MODE": "demo"},
        "ELASTICPATH__CLIENT_SECRET is set without ELASTICPATH__CLIENT_ID",
    ),
    ({"CLOVER__ACCESS_TOKEN": SECRET}, "CLOVER__ACCESS_TOKEN is set without CLOVER__MERCHANT_ID"),
    (
        {"SQUARE__ENVIRONMENT": "production"},
        "SQUARE__ENVIRONMENT is set without SQUARE__ACCESS_TOKEN",
    ),
    (
        {"SQUARE__ENVIRONMENT": "production", "GATEWAY_MODE": "demo"},
        "SQUARE__ENVIRONMENT is set without SQUARE__ACCESS_TOKEN",
    ),
    ({"SQUARE__ACCESS_TOKEN": "", "GATEWAY_MODE": "demo"}, "SQUARE__ACCESS_TOKEN is empty"),
    (
        {"GATEWAY_MODE": "production"},
        "production mode needs credentials for every enabled provider; missing"
        " SQUARE__ACCESS_TOKEN, CLOVER__ACCESS_TOKEN and CLOVER__MERCHANT_ID,",
    ),
    (
        {"SQUARE__ACCESS_TOKEN": SECRET},
        "production mode (GATEWAY_MODE is unset and SQUARE__ACCESS_TOKEN is set) needs"
        " credentials for every enabled provider; missing CLOVER__ACCESS_TOKEN",
    ),
    (
        {**LIVE, "SANDBOX_URL": "http://127.0.0.1:8100"},
        "SANDBOX_URL is for demo mode only",
    ),
    ({"CACHE__URL": "garbage"}, "CACHE__URL: expected redis://"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL: expected one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
    ({"CORS_ORIGINS": "notjson"}, "CORS_ORIGINS: expected valid JSON"),
    ({"CORS_ORIGINS": '["app.example"]'}, "CORS_ORIGINS: expected a JSON list of origins"),
    ({"SQUARE__TIMEOUT_S": "-1"}, "SQUARE__TIMEOUT_S: Input should be greater than 0"),
    ({"GATEWAY_MODE": "staging"}, "GATEWAY_MODE: Input should be 'demo' or 'production'"),
    (
        {**LIVE, "SQUARE__BASE_URL": "connect.squareup.com"},
        "SQUARE__BASE_URL: expected an http:// or https:// URL",
    ),
    ({"LOG_LEVEL": "LOUD", "CACHE__URL": "garbage"}, "CACHE__URL: expected redis://"),
]


@pytest.mark.parametrize(("variables", "expected"), REFUSED)
def test_a_wrong_setting_refuses_to_start_in_one_line(
    use: Use, capsys: pytest.CaptureFixture[str], variables: dict[str, str], expected: str
) -> None:
    use(variables)
    stderr = refusal(capsys)
    assert expected in stderr
    assert SECRET not in stderr
    assert "Traceback" not in stderr


def test_every_problem_shares_the_one_line(use: Use, capsys: pytest.CaptureFixture[str]) -> None:
    use({"LOG_LEVEL": "LOUD", "CACHE__URL": "garbage", "SQUARE__ACCES_TOKEN": SECRET})
    stderr = refusal(capsys)
    assert all(name in stderr for name in ("LOG_LEVEL", "CACHE__URL", "SQUARE__ACCES_TOKEN"))


@pytest.mark.parametrize("line", ["CLOVER__MERCHANT=M1", f"DIGITALRIVER_SECRET_KEY={SECRET}"])
def test_the_env_file_is_read_for_typos_too(
    use: Use, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    Path(".env").write_text(line + "\n")
    stderr = refusal(capsys)
    assert line.partition("=")[0] + ": unknown variable; did you mean" in stderr
    assert SECRET not in stderr


def test_the_sandbox_command_checks_values_but_needs_no_credentials(
    use: Use, capsys: pytest.CaptureFixture[str]
) -> None:
    use({"GATEWAY_MODE": "production"})
    assert cli.settings_for("sandbox").mode is GatewayMode.PRODUCTION
    use({"SANDBOX__PEOPLE": "-1"})
    assert "SANDBOX__PEOPLE: Input should be greater than or equal to 0" in refusal(
        capsys, "sandbox"
    )


ACCEPTED: list[tuple[dict[str, str], GatewayMode, bool]] = [
    ({}, GatewayMode.DEMO, True),
    ({"SANDBOX_URL": "http://127.0.0.1:8100", "LOG_LEVEL": "debug"}, GatewayMode.DEMO, True),
    (LIVE, GatewayMode.PRODUCTION, False),
    ({**LIVE, "GATEWAY_MODE": "PRODUCTION"}, GatewayMode.PRODUCTION, False),
    (
        {"SQUARE__ACCESS_TOKEN": SECRET, "SQUARE__BASE_URL": "https://sq.example", **ONLY_SQUARE},
        GatewayMode.PRODUCTION,
        False,
    ),
    ({"GATEWAY_MODE": "demo", "SQUARE__ACCESS_TOKEN": SECRET}, GatewayMode.DEMO, True),
    (
        {"GATEWAY_MODE": "demo", "CLOVER__ENABLED": "false", "CLOVER__ACCESS_TOKEN": SECRET},
        GatewayMode.DEMO,
        True,
    ),
]


@pytest.mark.parametrize(("variables", "mode", "emulated"), ACCEPTED)
def test_the_mode_follows_the_credentials_given(
    use: Use, variables: dict[str, str], mode: GatewayMode, emulated: bool
) -> None:
    use(variables)
    settings = cli.settings_for("serve")
    assert settings.mode is mode
    assert needs_sandbox(settings) is emulated


def test_every_provider_declares_its_credentials() -> None:
    for spec in SPECS:
        fields = spec.settings.model_fields
        assert spec.settings.credential_fields, spec.key
        assert set(spec.settings.credential_fields) <= set(fields), spec.key
        assert set(spec.settings.host_fields) <= set(fields), spec.key


def test_an_app_in_production_needs_every_credential() -> None:
    with pytest.raises(InvalidSettings, match="production mode needs credentials"):
        create_app(make_settings(gateway_mode="production"))


def test_port_comes_from_the_flag_then_port_then_8000(
    use: Use, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.serve_port(None) == 8000
    use({"PORT": "9123"})
    assert cli.serve_port(None) == 9123
    assert cli.serve_port(8001) == 8001
    use({"PORT": "http"})
    with pytest.raises(SystemExit) as exited:
        cli.serve_port(None)
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "customer-gateway: invalid settings: PORT: expected a TCP port number, 1 to 65535\n"
    )


def run_refused(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """A real process that must refuse to start: status 2, one line on stderr, nothing else."""
    done = subprocess.run(
        args,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=EXIT_DEADLINE_S,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert SECRET not in done.stderr
    return done.stderr


@pytest.mark.parametrize(
    ("command", "variables", "expected"),
    [
        ("serve", {"SQUARE__ACCES_TOKEN": SECRET}, "SQUARE__ACCES_TOKEN: unknown variable"),
        ("sandbox", {"CACHE__URL": "garbage"}, "CACHE__URL: expected redis://"),
    ],
)
def test_a_refused_process_exits_2_with_one_line(
    tmp_path: Path, command: str, variables: dict[str, str], expected: str
) -> None:
    stderr = run_refused([cli_executable(), command], clean_env(**variables), tmp_path)
    assert expected in stderr


def dockerfile() -> tuple[dict[str, str], list[str]]:
    """The ENV and CMD of the Dockerfile, which a test can run without building an image."""
    env: dict[str, str] = {}
    cmd: list[str] = []
    for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = value
        elif instruction == "CMD":
            cmd = json.loads(rest)
    return env, cmd


def test_the_container_runs_production_and_refuses_to_start_without_credentials(
    tmp_path: Path,
) -> None:
    env, cmd = dockerfile()
    assert env["GATEWAY_MODE"] == "production"
    assert cmd[:2] == ["customer-gateway", "serve"]
    assert "--port" not in cmd, "the port comes from PORT, which platforms set"
    stderr = run_refused([cli_executable(), *cmd[1:]], clean_env(**env), tmp_path)
    assert "production mode needs credentials for every enabled provider" in stderr


@pytest.fixture
def sandbox_server(tmp_path: Path) -> Iterator[str]:
    """`customer-gateway sandbox` on its own port, as a deployment's stand-in provider."""
    server = start_sandbox(tmp_path)
    try:
        yield server.url
    finally:
        server.stop()


def test_production_serves_live_providers_and_no_emulator_controls(
    tmp_path: Path, sandbox_server: str
) -> None:
    gateway = start_gateway(
        tmp_path,
        GATEWAY_MODE="production",
        SQUARE__ACCESS_TOKEN=DEMO_ACCESS_TOKEN,
        SQUARE__BASE_URL=f"{sandbox_server}/sandbox/square",
        AUTH__API_KEYS=json.dumps(
            [{"name": "ops", "sha256": digest("k"), "scopes": ["customers:read"]}]
        ),
        **ONLY_SQUARE,
    )
    try:
        assert httpx.get(f"{gateway.url}/readyz").json()["providers"] == {"square": "custom"}
        query = {"query": "{ customers(first: 2) { nodes { id provider } } }"}
        refused = httpx.post(f"{gateway.url}/graphql", json=query, timeout=30)
        assert refused.status_code == 401  # production: credentials required by default
        key = {"x-api-key": "k"}
        body = httpx.post(f"{gateway.url}/graphql", json=query, headers=key, timeout=30).json()
        assert "errors" not in body, body["errors"]
        assert [n["provider"] for n in body["data"]["customers"]["nodes"]] == ["SQUARE"] * 2
        stats = httpx.get(f"{sandbox_server}/sandbox/_stats").json()
        assert stats["square"]["total"] > 0
        assert httpx.get(f"{gateway.url}/sandbox/_stats").status_code == 404
        assert httpx.post(f"{gateway.url}/sandbox/_stats/reset").status_code == 404
        faults = httpx.put(f"{gateway.url}/sandbox/square/_faults", json={"hang": True})
        assert faults.status_code == 404
    finally:
        gateway.stop()
    assert "DEMO MODE" not in gateway.log.read_text()


def test_demo_by_default_serves_the_emulators_loudly_on_port(tmp_path: Path) -> None:
    gateway = start_gateway(tmp_path, PORT=str(free_port()))
    try:
        providers = httpx.get(f"{gateway.url}/readyz").json()["providers"]
        assert providers == {spec.key: "sandbox" for spec in SPECS}
        assert httpx.get(f"{gateway.url}/sandbox/_stats").status_code == 200
    finally:
        gateway.stop()
    warnings = [line for line in gateway.log.read_text().splitlines() if "WARNING" in line]
    assert any("DEMO MODE: built-in emulators with FAKE demo data" in line for line in warnings)
    assert any("Do not use in production" in line for line in warnings)
