"""Posters and social-media text (issue 8, point 6): an A4 PDF per station and language with its fonts embedded
and Devanagari shaped, read back with PDFium; the public route; the command line."""

from __future__ import annotations

import ctypes
import io
import os
import re
import subprocess
import sys
import unicodedata

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from fontTools.ttLib import TTFont

from suraksha.core.errors import Conflict
from suraksha.core.geo import Point
from suraksha.posters.model import file_stem, poster_for, readable_number, social_text
from suraksha.posters.names import devanagari
from suraksha.posters.preview import png_of
from suraksha.stations.model import StationRef

NAMES = {"en": "Colaba Police Station", "hi": "कोलाबा पुलिस थाना", "mr": "कुलाबा पोलीस ठाणे"}
DANGER = {"en": "In danger now? Call 112", "hi": "अभी खतरा है? 112 पर कॉल करें", "mr": "आत्ता धोका आहे? 112 वर कॉल करा"}
A4 = (595.28, 841.89)  # points


def fonts_of(pdf: bytes) -> dict[str, tuple[bool, str]]:
    """Each font the page's text uses: whether the PDF embeds it, and the family its embedded program names."""
    document = pdfium.PdfDocument(pdf)
    found = {}
    for obj in document[0].get_objects():
        if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
        size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
        name = ctypes.create_string_buffer(size)
        pdfium_c.FPDFFont_GetBaseFontName(font, name, size)
        length = ctypes.c_size_t(0)
        pdfium_c.FPDFFont_GetFontData(font, None, 0, ctypes.byref(length))
        data = (ctypes.c_ubyte * length.value)()
        pdfium_c.FPDFFont_GetFontData(font, data, length.value, ctypes.byref(length))
        family = TTFont(io.BytesIO(bytes(data)))["name"].getDebugName(1) if length.value else ""
        found[name.value.decode()] = (bool(pdfium_c.FPDFFont_GetIsEmbedded(font)), family)
    document.close()
    return found


def text_of(pdf: bytes) -> str:
    """The page's text as PDFium reads it, without the control characters it puts inside some shaped clusters."""
    document = pdfium.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_bounded()
    document.close()
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cc").split())


@pytest.mark.parametrize("lang", ["en", "hi", "mr"])
def test_a_stations_poster_embeds_its_fonts_and_says_what_it_must(http, home_station, lang):
    r = http.get(f"/stations/{home_station.id}/poster.pdf", params={"lang": lang})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert f'filename="{file_stem(home_station)}-poster-{lang}.pdf"' in r.headers["content-disposition"]
    pdf = r.content
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1 and tuple(round(x, 2) for x in document[0].get_size()) == A4
    document.close()
    fonts = fonts_of(pdf)
    assert fonts and all(embedded for embedded, _ in fonts.values()), fonts
    families = {family for _, family in fonts.values()}
    assert families == ({"Noto Sans"} if lang == "en" else {"Noto Sans", "Noto Sans Devanagari"})
    text = text_of(pdf)
    for expected in (NAMES[lang], readable_number(home_station.women_helpline),
                     readable_number(home_station.general_number), DANGER[lang]):
        assert expected in text, (expected, text)
    assert (NAMES["en"] in text) is True  # the official name, under a Hindi or Marathi one
    link = re.search(rb"/URI \(([^)]*)\)", pdf).group(1).decode()
    assert link.endswith({"en": "", "hi": "/hi", "mr": "/mr"}[lang] + "/directory?city=mumbai&q=Colaba+Police+Station")


@pytest.mark.parametrize("lang", ["en", "mr"])
def test_the_qr_code_and_link_open_the_stations_directory_entry_in_the_posters_language(http, home_station, lang):
    pdf = http.get(f"/stations/{home_station.id}/poster.pdf", params={"lang": lang}).content
    link = re.search(rb"/URI \(([^)]*)\)", pdf).group(1).decode()
    page = http.get(link.removeprefix(str(http.base_url).rstrip("/")))
    assert page.status_code == 200 and home_station.women_helpline[-5:] in page.text.replace(" ", "")
    assert f'lang="{lang}"' in page.text and NAMES[lang] in page.text


def test_the_poster_renders_with_ink_where_the_devanagari_is(http, home_station):
    image = png_of(http.get(f"/stations/{home_station.id}/poster.pdf", params={"lang": "mr"}).content, dpi=50)
    band = image.convert("L").crop((0, int(image.height * 0.17), image.width, int(image.height * 0.23)))
    assert band.getextrema()[0] < 100  # the station's name, dark on white


def test_a_bad_language_or_an_unknown_station_is_refused(http, home_station):
    assert http.get(f"/stations/{home_station.id}/poster.pdf", params={"lang": "ta"}).status_code == 422
    r = http.get("/stations/999999/poster.pdf")
    assert r.status_code == 404 and r.json()["error"]["code"] == "station_not_found"
    assert http.get("/stations/0/poster.pdf").status_code == 422


def test_social_text_in_each_language(container, home_station):
    texts = {lang: container.posters.social_text(home_station.id, lang) for lang in ("en", "hi", "mr")}
    for lang, text in texts.items():
        assert NAMES[lang] in text and readable_number(home_station.women_helpline) in text and "112" in text
        assert "/directory?city=mumbai" in text
    assert "Write in English, Hindi or Marathi" in texts["en"] and "अभी खतरा है?" in texts["hi"]


def _station(**kw) -> StationRef:
    values = {"id": 7, "name": "Pocharam IT Corridor Police Station", "city": "hyderabad",
              "women_helpline": "+917000100007", "general_number": None, "anchor": Point(78.6, 17.4)}
    return StationRef(**{**values, **kw})


def test_a_name_nobody_wrote_in_devanagari_is_read_aloud_and_the_official_one_kept():
    poster = poster_for(_station(), "mr", "https://suraksha.example")
    assert poster.name == "पोचारम आय.टी. कॉरिडॉर पोलीस ठाणे" and poster.shows_official_name
    assert poster_for(_station(), "hi", "https://suraksha.example").name.endswith("पुलिस थाना")
    assert poster.general_number is None and "{" not in social_text(poster)
    assert [devanagari(w) for w in ("Dadar", "Andheri", "MIDC", "Tilaknagar", "Juhu")] == [
        "दादर", "अंधेरी", "एम.आय.डी.सी.", "तिलकनगर", "जुहू"]


def test_a_station_without_a_women_helpline_has_no_poster():
    with pytest.raises(Conflict) as refused:
        poster_for(_station(women_helpline=None), "en", "https://suraksha.example")
    assert refused.value.code == "no_women_helpline"


def run(*args, env):
    return subprocess.run([sys.executable, "-m", "suraksha", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def test_the_command_writes_pdfs_texts_and_previews_for_a_station(tmp_path):
    from suraksha.demo.setup import shipped_jurisdictions

    env = {"SURAKSHA_DATABASE_URL": f"sqlite:///{tmp_path / 'posters.db'}"}
    assert run("db", "upgrade", env=env).returncode == 0
    geojson = tmp_path / "mumbai.geojson"
    geojson.write_bytes(shipped_jurisdictions("mumbai"))
    assert run("stations", "import", str(geojson), "--city", "mumbai", env=env).returncode == 0
    from sqlalchemy import create_engine, text

    with create_engine(env["SURAKSHA_DATABASE_URL"]).connect() as conn:
        colaba = conn.execute(text("SELECT id FROM stations WHERE name = 'Colaba Police Station'")).scalar()
    assert run("stations", "assign", str(colaba), "--kind", "women", "--number", "+917000100001", env=env).returncode == 0
    done = run("posters", "--city", "mumbai", "--station", str(colaba), "--output", str(tmp_path / "out"), "--png",
               env=env)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / f"{colaba}-colaba-police-station"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{kind}-{lang}.{ext}" for lang in ("en", "hi", "mr") for kind, ext in (("poster", "pdf"), ("poster", "png"),
                                                                               ("social", "txt")))
    assert "+91 70001 00001" in (folder / "social-mr.txt").read_text(encoding="utf-8")
    nothing = run("posters", "--city", "mumbai", "--station", str(colaba + 1), "--lang", "hi",
                  "--output", str(tmp_path / "none"), env=env)
    assert nothing.returncode == 2 and "no_women_helpline" in nothing.stdout
