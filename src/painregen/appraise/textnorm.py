"""Text normalisation for appraisal pre-filling: clean PDF-extracted text and split it into sentences.

:func:`normalise` repairs what PDF text extraction leaves behind: ligatures (ﬁ, ﬂ), curly quotes and dashes,
soft hyphens, words hyphenated at line ends ("ran-\\ndomly" -> "randomly"), running page headers and footers
(lines repeated on several pages, bare page numbers, "Page 3 of 12") and lines broken inside a sentence.
:func:`split_sentences` returns sentence spans; it does not end a sentence after abbreviations that are common in
methods sections ("et al.", "i.p.", "e.g.", "Fig.", "vs.", "approx."), inside numbers ("2.5 mg"), after single
initials ("J. Smith"), and it starts a new sentence at a heading line or a blank line.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

__all__ = ["ABBREVIATIONS", "is_heading", "normalise", "split_sentences"]

_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st",
              "\ufb06": "st"}
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"',
           "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"'}
_DASHES = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"}
_SPACES = {"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ", "\u200a": " "}
_DROP = {"\u00ad": "", "\u200b": "", "\ufeff": ""}
_TABLE = str.maketrans({**_LIGATURES, **_QUOTES, **_DASHES, **_SPACES, **_DROP})

#: words that end with a full stop without ending the sentence (compared lower-case, without the final stop)
ABBREVIATIONS = frozenset({
    "e.g", "i.e", "al", "et al", "fig", "figs", "vs", "approx", "no", "nos", "dr", "ca", "cf", "inc", "ltd", "co",
    "resp", "ref", "refs", "eq", "eqs", "st", "mr", "ms", "prof", "sp", "spp", "i.p", "i.v", "i.t", "i.m", "s.c",
    "p.o", "i.c.v", "b.w", "min", "h", "hr", "hrs", "est", "vol", "suppl", "dept", "univ", "ed", "eds",
    "etc", "viz", "corp", "mol", "wt", "conc", "sec", "tab", "n.s", "s.d", "s.e.m", "sem", "temp",
})
_PAGE_LINE = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
_HYPHEN_BREAK = re.compile(r"([A-Za-z]{2,})-[ \t]*\n(?:[ \t]*\n)*[ \t]*([a-z]{2,})")
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_HEADING = re.compile(r"\n[ \t]*(?=\S)")


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Keys (digits blanked) of lines in the top or bottom three lines of at least two pages and of at least a
    third of the pages: running headers and footers."""
    seen: Counter[str] = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln.strip()]
        seen.update({_key(ln) for ln in body[:3] + body[-3:] if len(ln.strip()) <= 120})
    need = max(2, -(-len(pages) // 3))
    return {k for k, n in seen.items() if n >= need and len(k) > 2}


def _repeated_lines(lines: list[str]) -> set[str]:
    """Without page breaks: short lines repeated at least three times that do not read as part of a sentence
    (not starting lower-case, not ending with a hyphen or comma)."""
    key = Counter(_key(ln) for ln in lines if 0 < len(ln.strip()) <= 90)
    return {k for k, n in key.items() if n >= 3 and len(k) > 3 and not k[0].islower() and not k.endswith(("-", ","))}


def _strip_page_furniture(text: str) -> str:
    if "\f" in text:
        pages = [pg.split("\n") for pg in text.split("\f")]
        running = _running_lines(pages)
        kept_pages = []
        for lines in pages:
            nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
            edge = set(nonblank[:3] + nonblank[-3:])
            kept_pages.append([ln for i, ln in enumerate(lines)
                               if not (i in edge and (_key(ln) in running or _PAGE_LINE.match(ln.strip())))])
        lines = [ln for pg in kept_pages for ln in [*pg, ""]]
    else:
        lines = text.split("\n")
        repeated = _repeated_lines(lines)
        lines = [ln for ln in lines if not (ln.strip() and (_PAGE_LINE.match(ln.strip()) or _key(ln) in repeated))]
    return "\n".join(lines)


def _dehyphenate(text: str) -> str:
    """Join words broken at a line end ("ran-\\ndomly"), keeping the hyphen of a compound that the text also
    writes with a hyphen elsewhere ("computer-generated")."""
    def join(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        tail = re.match(r"[a-z]+", b)
        compound = f"{a}-{tail.group() if tail else b}"
        if re.search(re.escape(compound), text[:m.start()] + text[m.end():], re.IGNORECASE):
            return f"{a}-{b}"
        return a + b
    return _HYPHEN_BREAK.sub(join, text)


def normalise(text: str, *, pdf: bool | None = None) -> str:
    """Clean ``text`` for sentence detection (see the module docstring). ``pdf`` turns on the page-layout repairs
    (header/footer removal, joining lines broken inside a sentence); by default they run when the text has
    form feeds or many short lines, as PDF extraction gives. Pages separated by form feeds (``\\f``, as
    :func:`painregen.appraise.pdftext.pdf_text` writes them) let running headers and footers be told apart from
    body lines."""
    text = unicodedata.normalize("NFKC", text.translate(_TABLE)).translate(_TABLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if pdf is None:
        broken = sum(1 for ln in lines if 20 <= len(ln) <= 110 and not ln.rstrip().endswith((".", ":", "?", "!")))
        pdf = "\f" in text or (len(lines) > 20 and broken > 0.5 * len(lines))
    if pdf:
        text = _strip_page_furniture(text)
        # a sentence broken across a page break: blank lines between a line that does not end a sentence and one
        # that starts lower-case are dropped
        text = re.sub(r"(?<=[^\n.!?:])\n(?:[ \t]*\n)+(?=[ \t]*[a-z])", "\n", text)
    text = text.replace("\f", "\n")
    text = _dehyphenate(text)
    if pdf:
        # a line break inside a sentence (next line starts lower-case or with a bracket or digit) becomes a space;
        # blank lines stay paragraph breaks
        text = re.sub(r"(?<=[^\n.!?:])\n(?=[ \t]*[a-z(0-9])", " ", text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + ("\n" if text.strip() else "")


def is_heading(sentence: str) -> bool:
    """A section heading: one short line without closing punctuation ("Competing interests", "Animals")."""
    s = sentence.strip()
    return 0 < len(s) <= 60 and "\n" not in s and not s.endswith((".", "!", "?", ";", ",", ":"))


def _is_abbreviation(before: str) -> bool:
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
    if not m:
        return False
    word = m.group(1).casefold().rstrip(".")
    if word in ABBREVIATIONS or re.fullmatch(r"[a-z]", word) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
        return True
    return bool(re.search(r"\bet\s+al$", before[-8:], re.IGNORECASE))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text`` (surrounding whitespace trimmed)."""
    cuts: list[int] = []
    for m in _BOUNDARY.finditer(text):
        stop = m.start() + len(m.group().rstrip())
        if text[m.start()] == "." and _is_abbreviation(text[max(0, m.start() - 12):m.start()]):
            continue
        cuts.append(stop)
    for m in re.finditer(r"\n[ \t]*\n", text):
        cuts.append(m.start())
    # a heading: a short line without closing punctuation, followed by a line break
    for m in re.finditer(r"(?m)^([^\n]{1,80})\n(?=\S)", text):
        line = m.group(1).rstrip()
        if line and not line.endswith((".", ",", ";", ":", "!", "?", "-")) and not line[0].islower():
            cuts.append(m.end(1))
    spans = []
    start = 0
    for cut in sorted(set(cuts)):
        if cut > start:
            spans.append((start, cut))
            start = cut
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out
