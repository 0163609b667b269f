"""The one loader for the YAML config files (sources, subscriptions, rules).

Every config error reads the same way, so a user learns one format::

    <file>: <kind> '<entry>': field '<dotted.path>': <message>

``read_yaml`` turns an unreadable file or a YAML syntax error into that format (with the
line and column); ``validate_entries`` validates a list of entries against a pydantic
model and collects *every* bad entry, not just the first; ``describe_error`` renders one
pydantic error as ``field '...': message``. Each config keeps its own exception class
(``SourcesError``, ``AlertsConfigError``, ``RulesError``) so callers can tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
_MISSING: Any = object()


def yaml_problem(exc: yaml.YAMLError) -> str:
    """'invalid YAML at line L, column C: problem' (1-based), or without a position."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"invalid YAML{where}: {getattr(exc, 'problem', None) or exc}"


def read_yaml(path: Path | str, error: Callable[[str], Exception], missing: Any = _MISSING) -> Any:
    """The parsed YAML document of ``path``.

    A read or syntax error raises ``error(message)`` with the message prefixed by the file;
    if ``missing`` is given, an absent file returns it instead (alerts.yaml is optional)."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        if missing is not _MISSING:
            return missing
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise error(f"{path}: {yaml_problem(exc)}") from None


def error_message(error: Any) -> str:
    """Pydantic's message without its 'Value error, ' prefix."""
    return str(error["msg"]).removeprefix("Value error, ")


def describe_error(
    error: Any,
    *,
    whole: str = "(entry)",
    allowed: Iterable[str] | None = None,
    loc: Callable[[tuple[Any, ...]], list[str]] | None = None,
) -> str:
    """``field 'a.b': message`` for one pydantic error.

    ``allowed`` lists the valid field names, shown for an unknown field; ``loc`` rewrites
    the location (e.g. to drop a union's discriminator tag); ``whole`` names an error on
    the entry itself."""
    parts = loc(error["loc"]) if loc else [str(part) for part in error["loc"]]
    field = ".".join(parts) or whole
    message = error_message(error)
    if error["type"] == "extra_forbidden":
        message = f"unknown field (allowed: {', '.join(sorted(allowed))})" if allowed else "unknown field"
    return f"field {field!r}: {message}"


def validate_entries(
    entries: list[Any],
    model: type[Model],
    *,
    origin: str,
    kind: str,
    describe: Callable[[Any], str],
    check: Callable[[Model], list[str]] | None = None,
) -> tuple[list[Model], list[str]]:
    """Validate each entry; return the valid records and one problem line per error.

    Entries are labelled by their ``name`` (or ``#N``); a repeated name is a problem.
    ``check`` adds problems about a valid record (cross-field checks against other files)."""
    records: list[Model] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        label = entry.get("name") if isinstance(entry, dict) and entry.get("name") else f"#{index + 1}"
        if not isinstance(entry, dict):
            problems.append(f"{origin}: {kind} {label}: expected a mapping")
            continue
        try:
            record = model.model_validate(entry)
        except ValidationError as exc:
            problems.extend(f"{origin}: {kind} {label!r}: {describe(err)}" for err in exc.errors())
            continue
        name = getattr(record, "name", None)
        if name is not None and name in seen:
            problems.append(f"{origin}: {kind} {name!r}: field 'name': duplicate name")
            continue
        if name is not None:
            seen.add(name)
        if check is not None:
            problems.extend(check(record))
        records.append(record)
    return records, problems
