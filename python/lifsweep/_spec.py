"""Specs given from Python: TOML text, a path, or a dict in the spec's shape, turned into the
TOML text the command line would read (and which the results carry as their provenance)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any, Union

SpecLike = Union[str, "os.PathLike[str]", Mapping[str, Any], None]

#: The keys of a range axis, as in the spec's `{ start = .., stop = .., num = .., scale = .. }`.
RANGE_KEYS = {"start", "stop", "num", "scale"}


def resolve(spec: SpecLike) -> tuple[str | None, str | None]:
    """(TOML text, path): exactly one is set, or neither for the compiled-in default sweep.

    A `str` holding a newline, `=` or `[` is TOML text; any other `str` (and any
    `os.PathLike`) is the path of a spec file. A mapping is converted by `to_toml`."""
    if spec is None:
        return None, None
    if isinstance(spec, Mapping):
        return to_toml(spec), None
    if isinstance(spec, os.PathLike):
        return None, os.fspath(spec)
    if isinstance(spec, str):
        if any(c in spec for c in "\n=["):
            return spec, None
        return None, spec
    raise TypeError(
        f"spec must be TOML text, a path or a dict, not {type(spec).__name__}")


def to_toml(spec: Mapping[str, Any]) -> str:
    """The TOML text of a spec dict: tables (`neuron`, `simulation`) become `[table]`s, a list
    of dicts (`sweep`) an array of tables `[[sweep]]`; axes may be lists, tuples, numpy arrays
    or `{"start", "stop", "num", "scale"}` dicts."""
    lines: list[str] = []
    scalars = {k: v for k, v in spec.items() if not _is_table(v) and not _is_tables(v)}
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value, key)}")
    for key, value in spec.items():
        if _is_table(value) and not _is_range(value):
            lines.append(f"\n[{_key(key)}]")
            for k, v in value.items():
                lines.append(f"{_key(k)} = {_value(v, f'{key}.{k}')}")
    for key, value in spec.items():
        if _is_tables(value):
            for i, block in enumerate(value):
                lines.append(f"\n[[{_key(key)}]]")
                for k, v in block.items():
                    lines.append(f"{_key(k)} = {_value(v, f'{key}[{i}].{k}')}")
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_range(v: Any) -> bool:
    return isinstance(v, Mapping) and set(v) <= RANGE_KEYS and {"start", "stop", "num"} <= set(v)


def _is_table(v: Any) -> bool:
    return isinstance(v, Mapping) and not _is_range(v)


def _is_tables(v: Any) -> bool:
    return (isinstance(v, Sequence) and not isinstance(v, (str, bytes)) and len(v) > 0
            and all(isinstance(b, Mapping) and not _is_range(b) for b in v))


def _key(k: Any) -> str:
    if not isinstance(k, str):
        raise TypeError(f"spec keys are strings, not {k!r}")
    if k and all(c.isalnum() or c in "_-" for c in k) and k.isascii():
        return k
    return json.dumps(k)


def _value(v: Any, where: str) -> str:
    # numpy scalars and arrays, without importing numpy.
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        v = v.tolist()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if _is_range(v):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x, f'{where}.{k}')}"
                                for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x, f"{where}[{i}]") for i, x in enumerate(v)) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x, f'{where}.{k}')}"
                                for k, x in v.items()) + " }"
    raise TypeError(f"spec value {where} = {v!r}: a {type(v).__name__} has no TOML form; "
                    "give a number, string, bool, list, numpy array or range dict")


def pair(key: str, value: Any) -> str:
    """A `KEY=VALUE` argument of `lifsweep trace` (values in TOML syntax)."""
    return f"{key}={_value(value, key)}"
