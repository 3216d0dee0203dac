"""A PNG preview of a poster's page (pypdfium2: PDFium, the PDF engine of Chromium), to look before printing."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

PREVIEW_DPI = 100


def png_of(pdf: bytes, dpi: int = PREVIEW_DPI):
    """The first page as a PIL image."""
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()


def write_png(pdf_path: Path, dpi: int = PREVIEW_DPI) -> Path:
    """`poster-hi.pdf` -> `poster-hi.png` beside it."""
    target = pdf_path.with_suffix(".png")
    png_of(pdf_path.read_bytes(), dpi).save(target, optimize=True)
    return target
