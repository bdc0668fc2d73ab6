"""What a process start checks before it serves: settings that parse, and a mode they fit.

Whatever is wrong becomes one `InvalidSettings` whose message is a single line naming
the variables, never a value (a value may be a secret), so the CLI can print it and
exit with status 2: a deployment stops at once and says why, instead of serving
emulators with fake data in place of a provider whose credential was mistyped.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError

from gateway.config import GatewayMode, Settings
from gateway.errors import InvalidSettings
from gateway.providers import SPECS

log = logging.getLogger("gateway")

MAX_PROBLEMS = 6
"""More than this many problems are counted, not listed: the line stays readable."""


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Settings from the environment and `env_file`, or InvalidSettings saying what is wrong."""
    problems = list(_misnamed(_variable_names(env_file)))
    try:
        settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems += [
            _describe(error) for error in exc.errors(include_url=False, include_input=False)
        ]
    except SettingsError as exc:
        problems.append(_unparsable(exc))
    if problems:
        raise InvalidSettings(_one_line(problems))
    return settings


def check_startup(settings: Settings) -> None:
    """Refuse settings that cannot mean what they say: part of a provider's credentials, or
    production (`settings.mode`) with an enabled provider that only an emulator could serve.
    """
    problems = list(_credential_problems(settings))
    if problems:
        raise InvalidSettings(_one_line(problems))


def warn_demo(settings: Settings, controls: str) -> None:
    """The banner of demo mode: nobody should mistake emulated providers for real ones."""
    emulated = [
        spec.key
        for spec in SPECS
        if (config := settings.provider(spec.name)).enabled and not config.is_live
    ]
    rule = "=" * 78
    for line in (
        rule,
        "DEMO MODE: built-in emulators with FAKE demo data stand in for: " + ", ".join(emulated),
        "Writes to them reach no real provider; their controls (faults, stats reset) are open at "
        + controls,
        "Do not use in production: set GATEWAY_MODE=production and each provider's credentials.",
        rule,
    ):
        log.warning("%s", line)


def _credential_problems(settings: Settings) -> Iterator[str]:
    production = settings.mode is GatewayMode.PRODUCTION
    if production and settings.sandbox_url:
        yield "SANDBOX_URL is for demo mode only (production never uses an emulator): unset it"
    uncredentialed: list[str] = []
    reasons: list[str] = []
    for spec in SPECS:
        config = settings.provider(spec.name)
        prefix = spec.key.upper()
        given = config.live_fields_given()
        reasons += [_name(prefix, field) for field in given]
        missing = config.missing_credentials()
        if not config.enabled or not missing:
            continue
        empty = [field for field in given if field in missing]
        present = [field for field in given if field not in missing]
        if empty:
            yield f"{_names(prefix, empty)} {_be(empty)} empty"
        elif present:
            yield (
                f"{_names(prefix, present)} {_be(present)} set without {_names(prefix, missing)}:"
                f" set {'it' if len(missing) == 1 else 'them'} too, or {prefix}__ENABLED=false"
            )
        elif production:
            uncredentialed.append(_names(prefix, missing))
    if uncredentialed:
        why = "" if settings.gateway_mode else f" (GATEWAY_MODE is unset and {reasons[0]} is set)"
        yield (
            f"production mode{why} needs credentials for every enabled provider; missing "
            + ", ".join(uncredentialed)
            + ": set them, disable a provider with <PROVIDER>__ENABLED=false,"
            " or run GATEWAY_MODE=demo for the emulators"
        )


def _name(prefix: str, field: str) -> str:
    return f"{prefix}__{field.upper()}"


def _names(prefix: str, fields: Iterable[str]) -> str:
    return " and ".join(_name(prefix, field) for field in fields)


def _be(fields: list[str]) -> str:
    return "is" if len(fields) == 1 else "are"


def _sections() -> dict[str, type[BaseModel]]:
    """The nested models of Settings (`CACHE`, `SQUARE`, ...), by field name."""
    return {
        name: annotation
        for name, field in Settings.model_fields.items()
        if isinstance(annotation := field.annotation, type) and issubclass(annotation, BaseModel)
    }


def _variable_names(env_file: Path | str | None) -> set[str]:
    names = set(os.environ)
    if env_file is not None and Path(env_file).is_file():
        names |= set(dotenv_values(env_file))
    return names


def _misnamed(names: Iterable[str]) -> Iterator[str]:
    """`SQUARE_ACCESS_TOKEN`, as other tools spell it, would be ignored: say so instead."""
    for name in sorted(names):
        upper = name.upper()
        for spec in SPECS:
            prefix = spec.key.upper() + "_"
            rest = upper.removeprefix(prefix).lower()
            if rest != upper.lower() and rest in spec.settings.model_fields:
                yield f"{name}: unknown variable; did you mean {_name(spec.key.upper(), rest)}?"


def _describe(error: Any) -> str:
    """One pydantic error as `VARIABLE: what is expected`, the variable as it is spelled."""
    loc = [str(part) for part in error["loc"]]
    sections = _sections()
    nested = len(loc) > 1 and loc[0] in sections
    variable = "__".join(loc[:2] if nested else loc[:1]).upper()
    within = loc[2:] if nested else loc[1:]
    where = f"{variable} (at {'.'.join(within)})" if within else variable
    if error["type"] == "extra_forbidden":
        if not nested or within:
            return f"{where}: unknown key"
        known = list(sections[loc[0]].model_fields)
        close = difflib.get_close_matches(loc[1], known, n=1)
        hint = (
            f"did you mean {_name(loc[0].upper(), close[0])}?"
            if close
            else (f"{loc[0].upper()}__ takes " + ", ".join(field.upper() for field in known))
        )
        return f"{variable}: unknown variable; {hint}"
    message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
    return f"{where}: {message}" if where else message


def _unparsable(exc: SettingsError) -> str:
    """pydantic-settings names only the field whose JSON (or nested variable) failed to parse."""
    found = re.search(r'field "([^"]+)"', str(exc))
    field = found.group(1) if found else "a setting"
    if field in _sections():
        return f"{field.upper()} or a {field.upper()}__* variable: expected valid JSON"
    return f"{field.upper()}: expected valid JSON (a list or an object)"


def _one_line(problems: list[str]) -> str:
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    text = "; ".join(shown) + (f"; and {more} more" if more else "")
    return "invalid settings: " + " ".join(text.split())
