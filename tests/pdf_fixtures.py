"""A minimal PDF writer for tests: pages of text lines in Helvetica, as a journal's typeset PDF would give after
text extraction (one line per line, running header and page number on every page)."""

from __future__ import annotations


def make_pdf(pages: list[list[str]]) -> bytes:
    """A valid PDF 1.4 file with one text line per entry (Latin-1 text)."""
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    pages_id = 2 * len(pages) + 2
    kids = []
    for lines in pages:
        ops = ["BT", "/F1 10 Tf", "14 TL", "50 780 Td"]
        for ln in lines:
            esc = ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 842] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)))
    add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids))
    root = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, root, xref)
    return bytes(out)


#: three pages of a methods section: a running header and page numbers, a word hyphenated at a line end, a
#: committee name split by the page break
METHODS_PAGES = [
    ["J Pain Res 2021; 14: 101-110", "Methods", "Male Sprague-Dawley rats were ran-",
     "domly assigned to the vehicle or MSC groups using a", "computer-generated list.",
     "All procedures were approved by the Animal Care", "101"],
    ["J Pain Res 2021; 14: 101-110", "and Use Committee of the university.",
     "Von Frey testing was done by an observer blinded", "to the treatment groups.", "102"],
    ["J Pain Res 2021; 14: 101-110", "Competing interests", "The authors declare no competing interests.", "103"],
]
