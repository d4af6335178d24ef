"""A small PDF writer: pages of plain text (Helvetica, Windows-1252), or pages with only an image.

The demo's brief gets a PDF made from the seed's own text, and the tests make the PDFs they
read (a word on page 2, a scan with no text layer) without a dependency or a binary file in
git. It writes what a reader needs and nothing more: one font, wrapped lines, an xref table.
"""

import textwrap
import zlib

LINE = 16  # points between lines
TOP, LEFT, WIDTH = 770, 72, 84  # first baseline, margin, characters per line


def _escape(line):
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _text_stream(paragraphs):
    lines = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, WIDTH) or [""]
        lines.append("")
    body = "\n".join(f"({_escape(line)}) Tj T*" for line in lines[:44])
    stream = f"BT /F1 11 Tf {LEFT} {TOP} Td {LINE} TL\n{body}\nET"
    return stream.encode("cp1252", "replace")


def _image_stream():
    """A grey square drawn from an image, as a scanner makes a page: no text at all."""
    return b"q 400 0 0 400 100 300 cm /Im1 Do Q"


def build(pages, title="", image_only=False):
    """The bytes of a PDF: `pages` is a list of pages, each a list of paragraphs (ignored
    with `image_only`, where each page is one image)."""
    objects = []  # bodies of objects 1..n

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    tree = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pixels = zlib.compress(bytes([128]) * (16 * 16))
    image = add(
        b"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % len(pixels)
        + pixels
        + b"\nendstream"
    )
    kids = []
    for paragraphs in pages:
        content = _image_stream() if image_only else _text_stream(paragraphs)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        resources = (
            f"/XObject << /Im1 {image} 0 R >>" if image_only else f"/Font << /F1 {font} 0 R >>"
        )
        kids.append(
            add(
                f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 612 792] "
                f"/Resources << {resources} >> /Contents {stream} 0 R >>".encode()
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    refs = " ".join(f"{kid} 0 R" for kid in kids)
    objects[tree - 1] = f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode()
    info = add(b"<< /Title (" + _escape(title).encode("cp1252", "replace") + b") >>")

    return assemble(objects, root=catalog, info=info)


def assemble(objects, root=1, info=None):
    """The bytes of a PDF of these object bodies (numbered from 1), with its xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root {root} 0 R"
    trailer += f" /Info {info} 0 R >>" if info else " >>"
    out += b"trailer\n" + trailer.encode() + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
