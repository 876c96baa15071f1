"""Seeded mutations of valid input files for the import fuzz test (tests/test_fuzz_import.py).

Each mutator takes the bytes of a valid seed file and a :class:`random.Random`, applies one to three edits a
person, a broken exporter or an attacker might make, and returns the new bytes with a short description of the
edits (printed when a mutant fails, so it can be reproduced).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from typing import Any

# Cell values seen in the wild or chosen to break readers: numbers out of range, non-finite numbers, text in
# number columns, Unicode digits, formula-leading text, control characters, NUL, long text and empty cells.
HOSTILE_CELLS = [
    "", " ", "NA", "-", "0", "-1", "1e20", "1e309", "-1e309", "NaN", "nan", "inf", "Infinity", "9" * 25,
    "9" * 5000, "2019a", "²", "١٢", "1,000", "1.000,5", "5 × 10^5 cells", "1e6 cells/kg", "TRUE", "yes", "maybe",
    "=1+1", "'=1+1", "+1", "@SUM(A1)", "\t=1", "\x00", "a\x00b", "\x01\x02", "\u202eevil", "🙂", "\ufeff",
    "x" * 40_000, '"', "'", ";", "\r", "\n", "sham", "treated", "control", "SEM", "SD", "IQR", "median",
    "10.1000/xyz", "not a doi", "PRG:model-cci", "NCBITaxon:10116", "unknown:term", "-0", "0.0", "1e-320",
    "12" * 8, "S1", "E1", "MSC low",
]
JSON_LITERALS = [
    "NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" + "0" * 5000, str(2**63), str(-(2**63) - 1),
    "-1", "0", "1.5", "null", "true", "false", "[]", "{}", '""', '"\\u0000"', '"²"', '"' + "y" * 40_000 + '"',
    "[" * 100 + "]" * 100, "[" * 3000 + "]" * 3000, '{"a": ' * 80 + "1" + "}" * 80, '"2019a"', '"=1+1"',
    '"10.1000/x"', '"PRG:model-cci"', '"sham"', '"SEM"',
]

Mutator = Callable[[bytes, random.Random], tuple[bytes, str]]


def _bytes_damage(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    kind = rng.choice(["truncate", "flip", "insert", "nul", "utf16", "latin1", "bom", "delete"])
    pos = rng.randrange(max(len(data), 1))
    if kind == "truncate":
        return data[:pos], f"truncated at byte {pos}"
    if kind == "flip":
        return data[:pos] + bytes([data[pos] ^ (1 << rng.randrange(8))]) + data[pos + 1:], f"bit flipped at {pos}"
    if kind == "insert":
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        return data[:pos] + junk + data[pos:], f"{len(junk)} random bytes inserted at {pos}"
    if kind == "nul":
        return data[:pos] + b"\x00" + data[pos:], f"NUL inserted at {pos}"
    if kind == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16"), "re-encoded as UTF-16"
    if kind == "latin1":
        return data.decode("utf-8", "replace").encode("latin-1", "replace"), "re-encoded as Latin-1"
    if kind == "bom":
        return b"\xef\xbb\xbf" + data, "UTF-8 BOM added"
    end = min(len(data), pos + rng.randint(1, 200))
    return data[:pos] + data[end:], f"bytes {pos}-{end} deleted"


def _csv_edit(rows: list[list[str]], rng: random.Random) -> str:
    n_rows, width = len(rows), max(len(r) for r in rows)
    i, j = rng.randrange(1, n_rows) if n_rows > 1 else 0, rng.randrange(width)
    kind = rng.choice(["cell", "cell", "cell", "cell", "dup_row", "del_row", "del_col", "blank_header",
                       "dup_header", "extra_cell", "swap_rows", "header_cell", "short_row", "empty_rows"])
    if kind == "cell" and j < len(rows[i]):
        value = rng.choice(HOSTILE_CELLS)
        rows[i][j] = value
        return f"row {i + 1} column {j + 1} = {value[:20]!r}"
    if kind == "dup_row":
        rows.insert(rng.randrange(1, n_rows + 1), list(rows[i]))
        return f"row {i + 1} duplicated"
    if kind == "del_row" and n_rows > 2:
        del rows[i]
        return f"row {i + 1} deleted"
    if kind == "del_col":
        for r in rows:
            if j < len(r):
                del r[j]
        return f"column {j + 1} deleted"
    if kind == "blank_header" and j < len(rows[0]):
        rows[0][j] = ""
        return f"header cell {j + 1} blanked"
    if kind == "dup_header" and len(rows[0]) > 1:
        rows[0][j] = rows[0][(j + 1) % len(rows[0])]
        return f"header cell {j + 1} made a duplicate"
    if kind == "extra_cell":
        rows[i].append(rng.choice(["x", "", "1"]))
        return f"extra cell on row {i + 1}"
    if kind == "swap_rows" and n_rows > 2:
        k = rng.randrange(1, n_rows)
        rows[i], rows[k] = rows[k], rows[i]
        return f"rows {i + 1} and {k + 1} swapped"
    if kind == "header_cell" and j < len(rows[0]):
        value = rng.choice(["n ", "N", "average2", "rob_", "annotation_x", "=cmd", "\x00", "²"])
        rows[0][j] = value
        return f"header cell {j + 1} = {value!r}"
    if kind == "short_row":
        rows[i] = rows[i][: rng.randrange(len(rows[i]) + 1)]
        return f"row {i + 1} cut short"
    rows.extend([[""] * width] * 3)
    return "empty rows appended"


def mutate_csv(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Edits at the level of a spreadsheet (cells, rows, columns, header), and sometimes damage to the bytes."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    notes = [_csv_edit(rows, rng) for _ in range(rng.randint(1, 3))]
    out = io.StringIO()
    csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"])).writerows(rows)
    result = out.getvalue().encode("utf-8")
    if rng.random() < 0.15:
        result, note = _bytes_damage(result, rng)
        notes.append(note)
    return result, "; ".join(notes)


def _json_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _json_paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _json_paths(v, (*path, i))
    return out


def mutate_json(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Replace a node by an odd literal (NaN, huge integers, deep nesting, wrong types), delete or add keys; the
    odd literals are written as raw text, as a hostile file would carry them."""
    doc = json.loads(data)
    literals: dict[str, str] = {}
    notes = []
    for k in range(rng.randint(1, 3)):
        paths = [p for p in _json_paths(doc) if p]
        path = rng.choice(paths)
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        kind = rng.choice(["literal", "literal", "literal", "delete", "add_key", "dup_item"])
        if kind == "delete":
            del parent[path[-1]]
        elif kind == "add_key" and isinstance(parent, dict):
            parent[rng.choice(["unknown", "extra_field", "source_row", "n"])] = 1
        elif kind == "dup_item" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[path[-1]])))
        else:
            literal = rng.choice(JSON_LITERALS)
            marker = f"__fuzz_{k}__"
            literals[marker] = literal
            parent[path[-1]] = marker
            kind = f"= {literal[:20]}"
        notes.append(f"{'.'.join(map(str, path))} {kind}")
    text = json.dumps(doc)
    for marker, literal in literals.items():
        text = text.replace(f'"{marker}"', literal)
    result = text.encode("utf-8")
    if rng.random() < 0.1:
        result, note = _bytes_damage(result, rng)
        notes.append(note)
    return result, "; ".join(notes)


def _xml_edit(xml: bytes, rng: random.Random) -> tuple[bytes, str]:
    kind = rng.choice(["text", "text", "number", "number", "dimension", "del_row", "dup_row", "row_number",
                       "far_column", "type", "truncate"])
    if kind == "text":
        spots = list(re.finditer(rb"<t>([^<]*)</t>", xml))
        if spots:
            m = rng.choice(spots)
            value = rng.choice(HOSTILE_CELLS)
            escaped = value.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8")
            return xml[: m.start(1)] + escaped + xml[m.end(1):], f"text {m.group(1)[:20]!r} -> {value[:20]!r}"
    if kind == "number":
        spots = list(re.finditer(rb"<v>([^<]*)</v>", xml))
        if spots:
            m = rng.choice(spots)
            value = rng.choice(["1e400", "NaN", "abc", "9" * 30, "-1", "1e20", "", "0x10", "9" * 5000]).encode()
            return xml[: m.start(1)] + value + xml[m.end(1):], f"number {m.group(1)!r} -> {value[:20]!r}"
    if kind == "dimension":
        ref = rng.choice(["A1", "A1:B2", "A1:ZZ99999", "C3:D4", "", "junk"])
        return re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), xml), f"dimension {ref!r}"
    rows = list(re.finditer(rb"<row [^>]*>.*?</row>", xml, re.S))
    if kind in ("del_row", "dup_row", "row_number") and len(rows) > 1:
        m = rng.choice(rows[1:])
        if kind == "del_row":
            return xml[: m.start()] + xml[m.end():], "a row element deleted"
        if kind == "dup_row":
            return xml[: m.end()] + m.group() + xml[m.end():], "a row element duplicated"
        number = rng.choice([b"0", b"1", b"1048577", b"99999999", b"x"])
        row = re.sub(rb'<row r="\d+"', b'<row r="' + number + b'"', m.group(), count=1)
        return xml[: m.start()] + row + xml[m.end():], f"a row numbered {number!r}"
    if kind == "far_column" and rows:
        m = rng.choice(rows)
        row = re.sub(rb'(<c r=")[A-Z]+(\d+")', rb"\1XFD\2", m.group(), count=1)
        return xml[: m.start()] + row + xml[m.end():], "a cell moved to column XFD"
    if kind == "type":
        t = rng.choice([b"n", b"b", b"e", b"d", b"s", b"str", b"zz"])
        return re.sub(rb't="inlineStr"', b't="' + t + b'"', xml, count=rng.randint(1, 5)), f"cell types -> {t!r}"
    pos = rng.randrange(max(len(xml), 1))
    return xml[:pos], f"sheet XML truncated at {pos}"


def mutate_xlsx(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Edits inside the observations sheet's XML (cells, rows, the dimension tag, cell types), damage to other
    parts of the package, or damage to the zip itself."""
    roll = rng.random()
    if roll < 0.1:
        return _bytes_damage(data, rng)
    notes = []
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        members = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    if roll < 0.2:
        name = rng.choice([n for n in members if n.endswith(".xml")])
        if rng.random() < 0.5:
            del members[name]
            notes.append(f"{name} removed")
        else:
            members[name], note = _bytes_damage(members[name], rng)
            notes.append(f"{name}: {note}")
    else:
        sheet = "xl/worksheets/sheet1.xml"
        for _ in range(rng.randint(1, 3)):
            members[sheet], note = _xml_edit(members[sheet], rng)
            notes.append(note)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, content in members.items():
            zout.writestr(name, content)
    return out.getvalue(), "; ".join(notes)
