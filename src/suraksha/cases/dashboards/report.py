"""The month's report as an A4 PDF (fpdf2, the Noto fonts shipped in `suraksha/data/fonts`, HarfBuzz shaping for
Hindi and Marathi): the area's figures for the month, the breakdown ranked with the best performer's figures, and
the trend of the twelve months up to it. Counts and days only: nothing of a victim or an accused is given to it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).resolve().parents[2] / "data" / "fonts"
NAVY, GREY = (18, 53, 91), (90, 90, 90)
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def render(d: dict, area_name: str, lang: str, _: Callable[[str], str]) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=14)
    for style, latin, deva in (("", "NotoSans-Regular.ttf", "NotoSansDevanagari-Regular.ttf"),
                               ("B", "NotoSans-Bold.ttf", "NotoSansDevanagari-Bold.ttf")):
        pdf.add_font("latin", style, str(FONTS / latin))
        pdf.add_font("devanagari", style, str(FONTS / deva))
    pdf.set_text_shaping(True)
    pdf.set_lang(lang)
    family = "latin" if lang == "en" else "devanagari"
    pdf.set_fallback_fonts(["devanagari" if family == "latin" else "latin"])
    pdf.set_title(_("Case dashboard: monthly report"))
    pdf.set_creator("Suraksha")
    pdf.add_page()

    def line(text: str, size: float = 10, style: str = "", colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        pdf.set_font(family, style, size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")

    def table(head: list[str], rows: list[list[str]], widths: list[float]) -> None:
        pdf.set_font(family, "B", 8)
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=5, first_row_as_headings=True) as t:
            row = t.row()
            for h in head:
                row.cell(h)
            pdf.set_font(family, "", 8)
            for values in rows:
                row = t.row()
                for v in values:
                    row.cell(v)
        pdf.ln(3)

    t = d["totals"]
    line(_("Case dashboard: monthly report"), 16, "B", NAVY)
    line(f"{area_name} · {d['period']['from']}", 11, "", GREY)
    line(_("Counts only: no victim or accused is named in this report."), 8, "", GREY)
    pdf.ln(2)
    line(_("The month"), 12, "B", NAVY)
    table([_("Figure"), _("Value")], [
        [_("FIRs put on record"), str(t["registered"])],
        [_("Under investigation now"), str(t["open"])],
        [_("Completed within the deadline"), _pct(t["share_within"])],
        [_("Breaches"), str(t["breaches"])],
        [_("Median days to charge-sheet"), _num(t["median_days_to_charge_sheet"])],
        [_("Forensic turnaround (mean days)"), _num(t["forensic_mean_days"])],
        [_("Cases with an overdue forensic sample"), str(t["forensic_overdue_cases"])],
        [_("Pending in court"), str(t["court_pending"])],
        [_("Disposal rate"), _pct(t["disposal_rate"])],
    ], [70, 30])
    line(_("Open cases by age (days since the FIR)"), 12, "B", NAVY)
    table([b["bucket"].replace("_", "-") for b in t["open_by_age"]],
          [[str(b["count"]) for b in t["open_by_age"]]], [25, 25, 25, 25])
    line(_("Breaches and their reasons"), 12, "B", NAVY)
    table([_("Reason"), _("Cases")],
          [[b["reason"].replace("_", " "), str(b["count"])] for b in d["breaches_by_reason"]], [70, 30])
    best = d["trend_best_practice"]
    line(_("Ranked by the share completed within the deadline (twelve months)"), 12, "B", NAVY)
    if best:
        line(_("Best practice: %(name)s, %(share)s within the deadline, median %(days)s days to charge-sheet, "
               "forensic turnaround %(forensic)s days") % {"name": best["name"], "share": _pct(best["share_within"]),
                                                           "days": _num(best["median_days_to_charge_sheet"]),
                                                           "forensic": _num(best["forensic_mean_days"])}, 9)
    table(["#", _("Area"), _("Within deadline"), _("Median days"), _("Forensic days"), _("Pending in court")],
          [[str(a["rank"]), a["name"], _pct(a["share_within"]), _num(a["median_days_to_charge_sheet"]),
            _num(a["forensic_mean_days"]), str(a["court_pending"])] for a in d["trend_areas"][:40]],
          [8, 62, 28, 28, 28, 28])
    line(_("Trend by month"), 12, "B", NAVY)
    table([_("Month"), _("FIRs"), _("Charge-sheets"), _("Closures"), _("Within deadline")],
          [[m["month"], str(m["registered"]), str(m["charge_sheets"]), str(m["closures"]), _pct(m["share_within"])]
           for m in d["months"]], [30, 30, 30, 30, 30])
    return bytes(pdf.output())


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
