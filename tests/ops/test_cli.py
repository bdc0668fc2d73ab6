"""The CLI explains itself: a version, every option's default, and `check-config`."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import subprocess
from pathlib import Path

import pytest

from gateway import cli
from gateway.config import Settings
from tests.servers import clean_env, cli_executable

SECRET = "sq0atp-never-echo-5b1e"
REDIS_PASSWORD = "redis-pw-never-echo"


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with none of our variables and an empty working directory (no `.env`)."""
    ours = (*Settings.model_fields, "port")
    for name in list(os.environ):
        if name.lower().startswith(ours):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`main(argv)`'s exit status (0 when it returns), stdout and stderr."""
    try:
        cli.main(list(argv))
        code = 0
    except SystemExit as exited:
        code = int(exited.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"customer-gateway {importlib.metadata.version('customer-gateway')}"


def test_every_option_has_help_and_shows_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in commands.choices.items():
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings} has no help"
        code, out, _ = run(capsys, name, "--help")
        assert code == 0
        for action in command._actions:
            if action.default not in {None, argparse.SUPPRESS} and not action.required:
                assert f"(default: {action.default})" in " ".join(out.split()), (name, action)
    _, serve_help, _ = run(capsys, "serve", "--help")
    assert "--log-level" in serve_help
    assert "(default: 127.0.0.1)" in serve_help
    assert "$PORT, else 8000" in serve_help


def test_log_level_is_checked_and_any_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli._parser().parse_args(["serve", "--log-level", "debug"]).log_level == "DEBUG"
    code, _, err = run(capsys, "serve", "--log-level", "loud")
    assert code == 2
    assert "--log-level" in err


def test_check_config_masks_secrets_and_names_modes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_MODE", "demo")
    monkeypatch.setenv("SQUARE__ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("CACHE__URL", f"redis://app:{REDIS_PASSWORD}@redis:6379/0")
    monkeypatch.setenv("DIGITALRIVER__ENABLED", "false")
    code, out, _ = run(capsys, "check-config")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "# mode: demo, log format: text"
    assert "SQUARE__ACCESS_TOKEN=**********" in lines
    assert "CACHE__URL=redis://app:**********@redis:6379/0" in lines
    assert "LIMITS__MAX_COST=5000" in lines
    assert "SQUARE__BASE_URL=(unset)" in lines
    assert "provider square: live at the sandbox host" in lines
    assert "provider clover: emulator (demo data)" in lines
    assert "provider digitalriver: disabled" in lines
    assert SECRET not in out
    assert REDIS_PASSWORD not in out


def test_check_config_exits_2_on_an_invalid_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_MODE", "production")
    monkeypatch.setenv("SQUARE__ACCESS_TOKEN", SECRET)
    code, out, err = run(capsys, "check-config")
    assert code == 2
    assert out == ""
    assert err.startswith("customer-gateway: invalid settings: production mode")
    assert SECRET not in err


def check_config(workdir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    command = [cli_executable(), "check-config"]
    return subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, timeout=60, check=False
    )


def test_check_config_as_a_process(tmp_path: Path) -> None:
    env = clean_env(LIMITS__MAX_COST="7", SQUARE__ACCES_TOKEN="typo")
    refused = check_config(tmp_path, env)
    assert refused.returncode == 2
    assert b"SQUARE__ACCES_TOKEN: unknown variable" in refused.stderr
    del env["SQUARE__ACCES_TOKEN"]
    shown = check_config(tmp_path, env)
    assert shown.returncode == 0, shown.stderr
    assert b"\nLIMITS__MAX_COST=7\n" in shown.stdout
