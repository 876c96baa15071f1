"""Model formulas as R reads them: ``~ dose*route + I(dose^2)`` -> terms -> model matrix with R's column names.

Formula algebra (Wilkinson & Rogers 1973, Appl Stat 22:392; Chambers & Hastie 1992, Statistical Models in S, ch. 2;
R's ``?formula``): ``a + b`` both terms, ``a - b`` drop b, ``a:b`` interaction, ``a*b`` = a + b + a:b, ``a %in% b`` =
a:b, ``a/b`` = a + (all variables of a):b, ``(a+b+c)^2`` all interactions up to order 2, ``- 1`` / ``+ 0`` no
intercept. Terms are ordered by their order (main effects, then two-way interactions, ...), keeping the order in
which the algebra produced them; the variables inside a term in the order they first appear in the formula. Labels
are written as R deparses them (``I(dose^2)``, ``I(2.5 * dose)``, ``log(dose)``).

Model matrix (R's ``model.matrix`` with treatment contrasts, documented in Chambers & Hastie 1992, sec. 2.4.1): a
numeric variable is one column; a factor in a term is coded by contrasts (dummies for all levels but the first) when
the term without that factor is an earlier term of the model (the empty term always counts), otherwise by
indicators for every level; without an intercept the first factor of the first term holding a factor gets
indicators. Columns of an interaction are the products of its variables' columns, the first variable varying
fastest; they are named by joining the variables' column names with ``:`` (``routeIT:sexM``). Text and logical
variables, ``factor(x)`` and comparisons are factors (levels as :mod:`painregen.meta.collate`).

Functions allowed inside a formula: ``I``, ``log`` (with an optional base), ``log2``, ``log10``, ``log1p``, ``exp``,
``sqrt``, ``abs``, ``factor``/``as.factor``, ``as.numeric``; arithmetic ``+ - * / ^`` and comparisons inside them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from painregen.meta.collate import factor_levels, r_label, r_number, relevel

if TYPE_CHECKING:
    import pandas as pd

# --------------------------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Name:
    id: str
    quoted: bool = False


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Bin:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Paren:
    inner: Node


Node = Name | Num | Call | Bin | Unary | Paren


class FormulaError(ValueError):
    """A formula that cannot be read or evaluated; the message says where and how to fix it."""


_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z.][A-Za-z0-9._]*)|`(?P<quoted>[^`]+)`"
    r"|(?P<op>%[^%]*%|>=|<=|==|!=|[-+*/^:~(),<>]))"
)
#: binary operators: precedence (higher binds tighter) and right-associativity, as in R's ?Syntax
_BINARY = {"<": (2, False), ">": (2, False), "<=": (2, False), ">=": (2, False), "==": (2, False),
           "!=": (2, False), "+": (3, False), "-": (3, False), "*": (4, False), "/": (4, False), "%": (5, False),
           ":": (6, False), "^": (8, True)}
_UNARY_PREC = 7


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FormulaError(f"cannot read the formula {text!r} at {text[pos:pos + 10]!r}")
        kind = m.lastgroup or "op"
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise FormulaError(f"formula {self.text!r}: expected {value or 'more'} "
                               f"{'at the end' if tok is None else 'before ' + repr(tok[1])}")
        self.i += 1
        return tok

    def expr(self, min_prec: int = 0) -> Node:
        left = self.atom()
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op":
                return left
            key = "%" if tok[1].startswith("%") else tok[1]
            if key not in _BINARY:
                return left
            prec, right_assoc = _BINARY[key]
            if prec < min_prec:
                return left
            self.take()
            right = self.expr(prec if right_assoc else prec + 1)
            left = Bin(tok[1], left, right)

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            return Num(float(value))
        if kind == "quoted":
            return Name(value, quoted=True)
        if kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt[1] == "(":
                self.take("(")
                args: list[Node] = []
                while self.peek() is not None and self.peek() != ("op", ")"):
                    args.append(self.expr())
                    if self.peek() == ("op", ","):
                        self.take(",")
                self.take(")")
                return Call(value, tuple(args))
            return Name(value)
        if value == "(":
            inner = self.expr()
            self.take(")")
            return Paren(inner)
        if value in ("-", "+"):
            return Unary(value, self.expr(_UNARY_PREC))
        raise FormulaError(f"formula {self.text!r}: unexpected {value!r}")


def parse(text: str) -> Node:
    """Parse the right-hand side of a formula (a leading ``~`` is optional)."""
    p = _Parser(text.strip())
    if p.peek() == ("op", "~"):
        p.take("~")
    if p.peek() is None:
        raise FormulaError("the formula is empty; write e.g. '~ dose + route'")
    node = p.expr()
    if p.peek() is not None:
        raise FormulaError(f"formula {text!r}: unexpected {p.peek()[1]!r}")  # type: ignore[index]
    return node


_SYNTACTIC = re.compile(r"^(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*$")


def deparse(node: Node) -> str:
    """The text R's ``deparse`` gives for the expression (how R labels terms and columns)."""
    if isinstance(node, Name):
        return node.id if _SYNTACTIC.match(node.id) else f"`{node.id}`"
    if isinstance(node, Num):
        return r_number(node.value)
    if isinstance(node, Call):
        return f"{node.fn}({', '.join(deparse(a) for a in node.args)})"
    if isinstance(node, Paren):
        return f"({deparse(node.inner)})"
    if isinstance(node, Unary):
        return f"{node.op}{deparse(node.operand)}"
    sep = "" if node.op in ("^", ":") else " "
    return f"{deparse(node.left)}{sep}{node.op}{sep}{deparse(node.right)}"


# --------------------------------------------------------------------------------------------- terms

Term = frozenset[str]


@dataclass(frozen=True)
class Terms:
    """The expanded formula: term labels in R's order, the variables (atoms), and the intercept."""

    text: str
    terms: tuple[tuple[str, ...], ...]  # each term: its atoms in variable order
    atoms: Mapping[str, Node]
    intercept: bool
    columns: tuple[str, ...] = field(default=())  # data columns the formula reads

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(":".join(t) for t in self.terms)


def _algebra(node: Node, atoms: dict[str, Node]) -> tuple[list[Term], bool | None]:
    """Terms (in generation order) and the intercept (None: not said) of a formula expression."""
    if isinstance(node, Paren):
        return _algebra(node.inner, atoms)
    if isinstance(node, Num):
        if node.value in (0.0, 1.0):
            return [], node.value == 1.0
        raise FormulaError(f"a number ({r_number(node.value)}) cannot be a term; wrap arithmetic in I(...)")
    if isinstance(node, Unary):
        terms, icpt = _algebra(node.operand, atoms)
        if node.op == "+":
            return terms, icpt
        if terms:
            raise FormulaError(f"'-{deparse(node.operand)}' at the start of a formula: write it after a term")
        return [], None if icpt is None else not icpt
    if isinstance(node, Bin) and node.op in ("+", "-", "*", ":", "/", "^", "%in%"):
        left, li = _algebra(node.left, atoms)
        if node.op == "^":
            if not isinstance(node.right, Num) or node.right.value < 1 or node.right.value % 1:
                raise FormulaError(f"'^' in a formula needs a whole number, got {deparse(node.right)}")
            out = list(left)
            for _ in range(int(node.right.value) - 1):
                out = _unique(out + [a | b for a in out for b in left])
            return out, li
        right, ri = _algebra(node.right, atoms)
        if node.op == "+":
            return _unique(left + right), ri if ri is not None else li
        if node.op == "-":
            drop = set(right)
            return [t for t in left if t not in drop], li if ri is None else not ri
        if node.op in (":", "%in%"):
            return _unique([a | b for a in left for b in right]), None
        if node.op == "*":
            return _unique(left + right + [a | b for a in left for b in right]), None
        every: Term = frozenset().union(*left) if left else frozenset()
        return _unique(left + [every | b for b in right]), None
    if isinstance(node, Bin):
        raise FormulaError(f"operator {node.op!r} in a formula term: wrap it in I(...), e.g. I({deparse(node)})")
    label = deparse(node)
    atoms.setdefault(label, node)
    return [frozenset([label])], None


def _unique(terms: list[Term]) -> list[Term]:
    seen: set[Term] = set()
    out = []
    for t in terms:
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out


def _names(node: Node) -> list[str]:
    if isinstance(node, Name):
        return [node.id]
    if isinstance(node, Call):
        return [n for a in node.args for n in _names(a)]
    if isinstance(node, Bin):
        return _names(node.left) + _names(node.right)
    if isinstance(node, Unary):
        return _names(node.operand)
    if isinstance(node, Paren):
        return _names(node.inner)
    return []


def terms(text: str) -> Terms:
    """Expand a formula into R's terms (``attr(terms(f), "term.labels")`` and the intercept)."""
    node = parse(text)
    atoms: dict[str, Node] = {}
    found, icpt = _algebra(node, atoms)
    order = list(atoms)  # atoms in order of first appearance
    found.sort(key=len)  # stable: R sorts terms by order only
    columns = list(dict.fromkeys(n for a in order for n in _names(atoms[a])))
    return Terms(text=text, terms=tuple(tuple(a for a in order if a in t) for t in found), atoms=atoms,
                 intercept=True if icpt is None else icpt, columns=tuple(columns))


# --------------------------------------------------------------------------------------------- model matrix

_FUNCS: dict[str, Callable[..., Any]] = {
    "I": lambda x: x, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "exp": np.exp, "sqrt": np.sqrt,
    "abs": np.abs, "as.numeric": lambda x: np.asarray(x, dtype=float),
    "log": lambda x, base=None: np.log(x) if base is None else np.log(x) / np.log(base),
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power, "<": np.less,
    ">": np.greater, "<=": np.less_equal, ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal,
}


@dataclass(frozen=True)
class Variable:
    """One evaluated atom: numeric values, or a factor (labels per row and its levels)."""

    label: str
    values: np.ndarray
    levels: tuple[str, ...] | None = None  # None: numeric

    @property
    def is_factor(self) -> bool:
        return self.levels is not None


def _is_text(col: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)
                or isinstance(col.dtype, pd.CategoricalDtype))


def _numeric(node: Node, data: pd.DataFrame) -> np.ndarray:
    import pandas as pd

    if isinstance(node, Num):
        return np.full(len(data), node.value)
    if isinstance(node, Name):
        col = _column(node.id, data)
        if _is_text(col) or pd.api.types.is_bool_dtype(col.dtype):
            raise FormulaError(f"'{node.id}' is text, not a number: it cannot enter arithmetic in a formula")
        return col.to_numpy(dtype=float)
    if isinstance(node, Paren):
        return _numeric(node.inner, data)
    if isinstance(node, Unary):
        x = _numeric(node.operand, data)
        return -x if node.op == "-" else x
    if isinstance(node, Bin):
        if node.op not in _ARITH:
            raise FormulaError(f"operator {node.op!r} is not allowed inside {deparse(node)}")
        with np.errstate(all="ignore"):
            return np.asarray(_ARITH[node.op](_numeric(node.left, data), _numeric(node.right, data)))
    assert isinstance(node, Call)
    if node.fn not in _FUNCS:
        raise FormulaError(f"function {node.fn}() is not supported in a formula; use one of "
                           f"{', '.join(sorted(_FUNCS))}, factor()")
    args = [_numeric(a, data) for a in node.args]
    with np.errstate(all="ignore"):
        if node.fn == "log" and len(args) == 2:
            return np.asarray(_FUNCS["log"](args[0], float(args[1][0])) if len(data) else args[0])
        if len(args) != 1:
            raise FormulaError(f"{node.fn}() takes one argument in a formula, got {len(args)}")
        return np.asarray(_FUNCS[node.fn](args[0]))


def _column(name: str, data: pd.DataFrame) -> pd.Series:
    if name not in data.columns:
        raise FormulaError(f"the formula names '{name}', which is not a column (columns: {', '.join(data.columns)})")
    return data[name]


def evaluate(label: str, node: Node, data: pd.DataFrame, refs: Mapping[str, str]) -> Variable:
    """Evaluate one atom on the data (no missing values): a numeric column or a factor."""
    import pandas as pd

    raw: Any = None
    if isinstance(node, Name):
        col = _column(node.id, data)
        if isinstance(col.dtype, pd.CategoricalDtype):  # a pandas Categorical is an R factor: its own level order
            present = set(col.dropna().astype(str))
            order = [str(c) for c in col.cat.categories if str(c) in present]
            levels = relevel(order, refs.get(label))
            return Variable(label, col.astype(str).to_numpy(dtype=object), tuple(levels))
        if _is_text(col) or pd.api.types.is_bool_dtype(col.dtype):
            raw = col.tolist()
    elif isinstance(node, Call) and node.fn in ("factor", "as.factor"):
        if len(node.args) != 1:
            raise FormulaError(f"{node.fn}() takes one argument in a formula")
        inner = node.args[0]
        if isinstance(inner, Name) and _is_text(_column(inner.id, data)):
            raw = _column(inner.id, data).tolist()
        elif _is_comparison(inner):
            raw = [bool(x) for x in _numeric(inner, data)]
        else:
            raw = [float(x) for x in _numeric(inner, data)]
    elif isinstance(node, Bin | Call | Paren) and _is_comparison(node):
        raw = [bool(x) for x in _numeric(node, data)]
    if raw is None:
        values = _numeric(node, data)
        if values.size and not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise FormulaError(f"{label} is not finite at (0-based) row {bad} (e.g. log of 0 or a negative number)")
        return Variable(label, values)
    levels = relevel(factor_levels(raw), refs.get(label))
    return Variable(label, np.array([r_label(v) for v in raw], dtype=object), tuple(levels))


def _is_comparison(node: Node) -> bool:
    if isinstance(node, Call) and node.fn == "I" and len(node.args) == 1:
        return _is_comparison(node.args[0])
    if isinstance(node, Paren):
        return _is_comparison(node.inner)
    return isinstance(node, Bin) and node.op in ("<", ">", "<=", ">=", "==", "!=")


def model_matrix(spec: Terms, data: pd.DataFrame, refs: Mapping[str, str] | None = None
                 ) -> tuple[np.ndarray, list[str], list[int]]:
    """R's ``model.matrix(formula, data)`` (treatment contrasts): the matrix, its column names (``(Intercept)``
    named ``intrcpt`` as metafor does) and, per column, the index of its term (0 for the intercept, else 1-based:
    R's ``assign``). ``refs`` maps a factor's label to its reference level (``relevel``)."""
    refs = dict(refs or {})
    k = len(data)
    variables = {label: evaluate(label, node, data, refs) for label, node in spec.atoms.items()}
    unknown = [r for r in refs if r not in variables or not variables[r].is_factor]
    if unknown:
        factors = [v.label for v in variables.values() if v.is_factor]
        raise FormulaError(f"--ref names {', '.join(unknown)}, which is not a factor of the model "
                           f"(factors: {', '.join(factors) or 'none'})")
    cols: list[np.ndarray] = []
    names: list[str] = []
    assign: list[int] = []
    if spec.intercept:
        cols.append(np.ones(k))
        names.append("intrcpt")
        assign.append(0)
    earlier: set[frozenset[str]] = {frozenset()}
    first_factor_done = spec.intercept
    for t_index, term in enumerate(spec.terms, start=1):
        parts: list[list[tuple[str, np.ndarray]]] = []
        for label in term:
            var = variables[label]
            if not var.is_factor:
                parts.append([(label, var.values)])
                continue
            assert var.levels is not None
            contrasts = frozenset(term) - {label} in earlier
            if not first_factor_done:
                contrasts, first_factor_done = False, True
            if contrasts and len(var.levels) < 2:
                only = var.levels[0] if var.levels else "none"
                raise FormulaError(f"moderator {label!r} has a single level ({only}); "
                                   "a categorical moderator needs at least 2 levels")
            levels = var.levels[1:] if contrasts else var.levels
            parts.append([(label + lev, (var.values == lev).astype(float)) for lev in levels])
        earlier.add(frozenset(term))
        # the first variable varies fastest
        for combo in itertools.product(*reversed(parts)):
            ordered = list(reversed(combo))
            names.append(":".join(n for n, _ in ordered))
            cols.append(np.prod(np.vstack([c for _, c in ordered]), axis=0))
            assign.append(t_index)
    if not cols:
        raise FormulaError(f"the formula {spec.text!r} has no columns (no intercept and no terms)")
    return np.column_stack(cols), names, assign
