"""Text of a notice as received: plain text, .docx (python-docx) or a .pdf text layer (pypdf)."""

from __future__ import annotations

from pathlib import Path


class NoticeReadError(ValueError):
    pass


def read_notice(path: Path) -> str:
    """The notice's text; this text is written as the source copy and every span points into it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return _read_pdf(path)
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NoticeReadError(f"{path}: not UTF-8 or GB18030 text")


def _read_docx(path: Path) -> str:
    try:
        import docx  # python-docx
    except ImportError as exc:  # pragma: no cover - listed in requirements.txt
        raise NoticeReadError("reading .docx needs python-docx (pip install -r requirements.txt)") from exc
    document = docx.Document(str(path))
    lines = []
    body = document.element.body
    # Paragraphs and tables in document order; a table row becomes one line, cells separated by two spaces.
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(node.text or "" for node in child.iter() if node.tag.endswith("}t")))
        elif tag == "tbl":
            table = docx.table.Table(child, document)
            for row in table.rows:
                cells = []
                for cell in row.cells:
                    text = cell.text.strip()
                    if not cells or cells[-1] != text:  # merged cells repeat their text
                        cells.append(text)
                lines.append("  ".join(cells))
    return "\n".join(lines) + "\n"


def _read_pdf(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover
        raise NoticeReadError("reading .pdf needs pypdf (pip install -r requirements.txt)") from exc
    reader = PdfReader(str(path))
    pages = [page.extract_text() or "" for page in reader.pages]
    text = "\n".join(pages)
    if not text.strip():
        raise NoticeReadError(f"{path}: the PDF has no text layer (a scan); OCR it first")
    return text
