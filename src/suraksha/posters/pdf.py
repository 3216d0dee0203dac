"""The poster as an A4 PDF, laid out with fpdf2 (the renderer: an adapter behind `PosterService`).

Devanagari needs real text shaping (conjuncts, vowel signs placed before their consonant, reph): fpdf2 shapes
with HarfBuzz (`uharfbuzz`) when `set_text_shaping(True)` is on. The fonts ship with Suraksha
(`suraksha/data/fonts/`, Noto Sans and Noto Sans Devanagari under the SIL Open Font License) and fpdf2 embeds
the subset it uses in every PDF, so a poster prints the same on any machine. The QR code is drawn as vector
squares, sharp at any print size.
"""

from __future__ import annotations

import logging
from pathlib import Path

import segno
from fpdf import FPDF

from suraksha.posters.model import Poster

FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT_FILES = {("latin", ""): "NotoSans-Regular.ttf", ("latin", "B"): "NotoSans-Bold.ttf",
              ("devanagari", ""): "NotoSansDevanagari-Regular.ttf", ("devanagari", "B"): "NotoSansDevanagari-Bold.ttf"}
NAVY, ACCENT, RED, GREY, WHITE = (18, 53, 91), (142, 27, 90), (198, 40, 40), (90, 90, 90), (255, 255, 255)
PT = 0.3528  # millimetres in a point
MARGIN, WIDTH = 14.0, 210.0 - 2 * 14.0
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)  # its INFO lines describe every font subset


def render_pdf(poster: Poster) -> bytes:
    """One A4 page: the title band, the station, its women helpline (large), 112, the QR code and the rest."""
    pdf = _document(poster)
    pdf.set_fill_color(*NAVY)
    pdf.rect(0, 0, 210, 44, style="F")
    pdf.set_y(9)
    _line(pdf, poster.lines["title"], 36, "B", WHITE)
    _line(pdf, poster.lines["brand"], 13, "", WHITE)
    pdf.set_y(54)
    _line(pdf, poster.name, _fitting(pdf, poster.name, 30, "B", lines=2), "B", NAVY)
    if poster.shows_official_name:
        _line(pdf, poster.official_name, 14, "", GREY)
    pdf.ln(6)
    _line(pdf, poster.lines["call_or_sms"], 19, "", (0, 0, 0))
    _number_box(pdf, poster.women_helpline)
    pdf.ln(4)
    _line(pdf, poster.lines["write_in"], 15, "", (0, 0, 0))
    _line(pdf, poster.lines["send_location"], 15, "", (0, 0, 0))
    pdf.ln(6)
    _danger_band(pdf, poster.lines["danger"])
    _bottom(pdf, poster, top=pdf.get_y() + 16)
    return bytes(pdf.output())


def _document(poster: Poster) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    for (family, style), file in FONT_FILES.items():
        pdf.add_font(family, style, str(FONTS / file))
    pdf.set_text_shaping(True)
    pdf.set_lang(poster.lang)
    pdf.set_title(f"{poster.lines['title']}: {poster.name}")
    pdf.set_subject(poster.official_name)
    pdf.set_creator("Suraksha")
    pdf.add_page()
    return pdf


def _font(pdf: FPDF, text: str, style: str, size: float) -> None:
    """The font of the text's first letter, the other as fallback. fpdf2 (2.8) loses track of the page's font
    when a text starts in its fallback font and wraps (the next line is drawn with another font's glyphs), so a
    text never starts in the fallback. The Devanagari font has digits and punctuation; only letters decide."""
    first = next((ch for ch in text if ch.isalpha()), "a")
    primary, fallback = ("devanagari", "latin") if "\u0900" <= first <= "\u097f" else ("latin", "devanagari")
    pdf.set_fallback_fonts([fallback])  # the same style, from the other family
    pdf.set_font(primary, style, size)


def _ink(pdf: FPDF, colour: tuple[int, int, int]) -> None:
    pdf.set_text_color(*colour)


def _line(pdf: FPDF, text: str, size: float, style: str, colour: tuple[int, int, int]) -> None:
    """Centred text, wrapped to the page's width; Devanagari needs room above and below the line."""
    _font(pdf, text, style, size)
    _ink(pdf, colour)
    pdf.multi_cell(0, size * PT * 1.5, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _fitting(pdf: FPDF, text: str, size: float, style: str, lines: int) -> float:
    """The largest size up to `size` at which `text` takes at most `lines` lines."""
    while size > 12:
        _font(pdf, text, style, size)
        if pdf.get_string_width(text) <= WIDTH * lines * 0.9:
            return size
        size -= 1
    return size


def _number_box(pdf: FPDF, number: str) -> None:
    size = 54.0
    _font(pdf, number, "B", size)
    while pdf.get_string_width(number) > WIDTH - 16:
        size -= 2
        _font(pdf, number, "B", size)
    height = size * PT * 1.6
    y = pdf.get_y() + 2
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(MARGIN + 4, y, WIDTH - 8, height, style="D", round_corners=True, corner_radius=5)
    _ink(pdf, ACCENT)
    pdf.set_xy(MARGIN, y)
    pdf.cell(WIDTH, height, number, align="C", new_x="LMARGIN", new_y="NEXT")


def _danger_band(pdf: FPDF, text: str) -> None:
    size = 26.0
    height = size * PT * 1.9
    y = pdf.get_y()
    pdf.set_fill_color(*RED)
    pdf.rect(MARGIN, y, WIDTH, height, style="F", round_corners=True, corner_radius=4)
    _font(pdf, text, "B", size)
    _ink(pdf, WHITE)
    pdf.set_xy(MARGIN, y)
    pdf.cell(WIDTH, height, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _bottom(pdf: FPDF, poster: Poster, top: float) -> None:
    """The QR code on the left; the scan caption, the general number and the language keywords on the right."""
    side = min(66.0, 272.0 - top)
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, top - 6, MARGIN + WIDTH, top - 6)
    _qr(pdf, poster.directory_url, MARGIN, top, side)
    left, width = MARGIN + side + 8, WIDTH - side - 8
    pdf.set_xy(left, top)
    for text, size, style, colour in _right_column(poster):
        _font(pdf, text, style, size)
        _ink(pdf, colour)
        pdf.set_x(left)
        pdf.multi_cell(width, size * PT * 1.5, text, align="L", new_x="LEFT", new_y="NEXT")
        pdf.ln(1.5)
    pdf.set_xy(MARGIN, 283)
    _font(pdf, poster.directory_url, "", 8.5)
    _ink(pdf, GREY)
    pdf.cell(WIDTH, 5, poster.directory_url, align="C", link=poster.directory_url)


Row = tuple[str, float, str, tuple[int, int, int]]  # text, size, style, colour


def _right_column(poster: Poster) -> list[Row]:
    rows: list[Row] = [(poster.lines["scan"], 14, "B", NAVY)]
    if poster.general_number:
        rows += [(poster.lines["general"], 14, "", (0, 0, 0)), (poster.general_number, 22, "B", (0, 0, 0))]
    rows.append((poster.lines["reply_language"], 12, "", GREY))
    return rows


def _qr(pdf: FPDF, url: str, x: float, y: float, side: float) -> None:
    """The QR code as filled squares (error correction M), runs of dark modules merged per row."""
    rows = [list(row) for row in segno.make(url, error="m", micro=False).matrix_iter(scale=1, border=0)]
    module = side / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module + 0.05, style="F")  # no seams
    pdf.link(x, y, side, side, url)
