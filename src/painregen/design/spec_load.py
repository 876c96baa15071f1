"""Read a design spec from YAML or JSON text, reporting every problem as ``file:line:field: message``."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from painregen.design.spec import DesignSpec
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.yamlfile import SAFE_LOADER, load_yaml

__all__ = ["SpecError", "parse_spec"]


class SpecError(InvalidDataError):
    """A design spec with problems; ``problems`` name the line and the field (``sample_size.power``)."""


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the deepest node on ``loc`` that exists in the YAML document."""
    line = None if node is None else node.start_mark.line + 1
    for key in loc:
        nxt: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if getattr(k, "value", None) == key:
                    line, nxt = k.start_mark.line + 1, v
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def _message(err: dict[str, Any]) -> str:
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if err["type"] == "extra_forbidden":
        msg = "unknown field (check its spelling; see docs/design.md for the fields)"
    elif err["type"] == "missing":
        msg = "required field is missing"
    return msg


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith(("function-", "constrained-")))]
    return ".".join(parts) or "(top level)"


def parse_spec(text: str, source: str = "<spec>") -> DesignSpec:
    """Parse and validate a spec; raises :class:`SpecError` listing every problem with its line and field."""
    try:
        node = yaml.compose(text, Loader=SAFE_LOADER)
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        raise SpecError([Problem(source, line, None, f"not valid YAML/JSON: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise SpecError([Problem(source, None, None, "a design spec must be a mapping of fields (title, model, ...)")])
    try:
        return DesignSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            problems.append(Problem(source, _line_of(node, loc), _field(loc), _message(dict(err))))
        raise SpecError(problems) from None
