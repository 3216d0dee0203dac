"""Pages in her language: chosen by the URL (`/hi/…`, `/mr/…`, `?lang=`), then a remembered choice (a cookie),
then the browser's Accept-Language; `<html lang>` and a switcher on every page; errors shown in the page's
language; and the directory: every station of the city, found by Latin or Devanagari name, by place or PIN code."""

from __future__ import annotations

import gzip
import re

import httpx
import pytest

from suraksha.http.language import from_accept_language, split_prefix
from tests.conftest import web_sign_in

HTML_LANG = re.compile(r'<html lang="([a-z]+)">')


def lang_of(r: httpx.Response) -> str:
    return HTML_LANG.search(r.text).group(1)


@pytest.mark.parametrize(("header", "lang"), [
    ("mr-IN,mr;q=0.9,en;q=0.8", "mr"), ("en-IN,en;q=0.9,hi;q=0.8", "en"), ("hi", "hi"), ("de-DE,de;q=0.9", "en"),
    ("en;q=0.5,hi;q=0.9", "hi"), ("", "en"), ("hi;q=0", "en"), ("hi;q=bad,mr", "mr"),
])
def test_accept_language_picks_the_preferred_supported_language(header, lang):
    assert from_accept_language(header) == lang


def test_a_language_prefix_comes_off_pages_only():
    assert split_prefix("/hi/directory") == ("hi", "/directory")
    assert split_prefix("/mr") == ("mr", "/")
    assert split_prefix("/hindi") == (None, "/hindi")
    assert split_prefix("/hi/api/v1/stations") == (None, "/hi/api/v1/stations")


@pytest.mark.parametrize("path", ["/", "/directory", "/track", "/login"])
@pytest.mark.parametrize("lang", ["hi", "mr", "en"])
def test_every_public_page_exists_in_every_language_with_a_switcher(http, path, lang):
    r = http.get(f"/{lang}{path}")
    assert r.status_code == 200, (lang, path)
    assert lang_of(r) == lang and r.headers["content-language"] == lang
    switcher = re.search(r'<nav class="langs"[^>]*>(.*?)</nav>', r.text, re.S).group(1)
    for code, name in (("en", "English"), ("hi", "हिन्दी"), ("mr", "मराठी")):
        assert f'href="/{code}{path}"' in switcher and f'lang="{code}"' in switcher and name in switcher
    assert 'aria-current="true"' in switcher


def test_hindi_and_marathi_pages_read_in_their_language(http):
    assert "पुलिस थानों की महिला हेल्पलाइन" in http.get("/hi/directory").text
    assert "पोलीस ठाण्यांच्या महिला हेल्पलाइन" in http.get("/mr/directory").text
    home = http.get("/mr/").text
    assert 'href="/mr/directory"' in home and 'href="/mr/track"' in home  # links stay in her language
    assert "tel:112" in http.get("/hi/track").text


def test_the_choice_is_remembered_and_accept_language_is_the_default(server_url):
    with httpx.Client(base_url=server_url) as browser:
        assert lang_of(browser.get("/directory", headers={"accept-language": "mr-IN,mr;q=0.9"})) == "mr"
        assert "suraksha_lang" not in browser.cookies  # only a choice made in the URL is kept
        r = browser.get("/directory?lang=hi", headers={"accept-language": "mr"})
        assert lang_of(r) == "hi" and browser.cookies["suraksha_lang"] == "hi"
        assert lang_of(browser.get("/track", headers={"accept-language": "mr"})) == "hi"  # the cookie wins
        browser.get("/en/")
        assert lang_of(browser.get("/directory", headers={"accept-language": "mr"})) == "en"
        assert lang_of(browser.get("/directory?lang=xx")) == "en"  # an unknown language changes nothing


def test_an_error_page_and_a_sign_in_error_are_in_the_pages_language(server_url, container, http):
    r = http.post("/hi/login", data={"username": "x", "password": "y", "csrf": "forged"})
    client, _ = web_sign_in(server_url, container, "registry")
    try:
        page = client.get("/hi/console", headers={"accept": "text/html"})
        assert page.status_code == 403 and lang_of(page) == "hi"
        assert "आपकी भूमिका इस पेज का उपयोग नहीं कर सकती।" in page.text
        api = client.get("/console", headers={"accept": "application/json"}).json()  # the API: English and a code
        assert api["error"]["code"] == "forbidden_role" and "role has no console" in api["error"]["message"]
    finally:
        client.close()
    with httpx.Client(base_url=server_url) as browser:
        from tests.conftest import csrf_of

        token = csrf_of(browser.get("/mr/login").text)
        wrong = browser.post("/mr/login", data={"username": "dispatcher", "password": "wrong", "csrf": token})
        assert wrong.status_code == 401 and "वापरकर्तानाव किंवा पासवर्ड चुकीचा आहे." in wrong.text
    assert r.status_code == 403


def test_the_api_and_webhooks_have_no_language_prefix(http):
    assert http.get("/hi/api/v1/stations").status_code == 404
    assert http.get("/api/v1/stations", params={"q": "कोलाबा"}).json()["stations"][0]["name"] == "Colaba Police Station"


def test_the_directory_lists_every_station_of_the_city_and_says_so(http):
    page = http.get("/directory").text
    assert page.count('data-testid="station-row"') == 91
    assert "All 91 stations of Mumbai" in page
    assert "All 91 stations of Mumbai" not in http.get("/directory", params={"q": "andheri"}).text
    assert "1 of the 91 stations of Mumbai match" in http.get("/directory", params={"q": "andheri"}).text


@pytest.mark.parametrize(("typed", "station"), [
    ("कोलाबा", "Colaba Police Station"),  # Hindi spelling
    ("कुलाबा", "Colaba Police Station"),  # Marathi spelling
    ("अंधेरी", "Andheri Police Station"),
    ("वांद्रे पोलीस ठाणे", "Bandra Police Station"),
    ("घाटकोपर", "Ghatkopar Police Station"),
    ("kurla", "Kurla Police Station"),
])
def test_a_station_is_found_by_its_name_in_either_script(http, typed, station):
    rows = re.findall(r'data-testid="station-row".*?</li>', http.get("/directory", params={"q": typed}).text, re.S)
    assert rows and station in rows[0], (typed, rows[:1])


def test_a_place_or_pin_code_names_the_station_that_covers_it(http):
    page = http.get("/directory", params={"q": "Nariman Point"}).text
    place = re.search(r'<li data-testid="place-row">(.*?)</li>', page, re.S).group(1)
    assert "Nariman Point" in place and "Police Station" in place and "tel:+91" in place
    pin = http.get("/directory", params={"q": "400005"}).text
    offices = re.findall(r'<li data-testid="place-row">(.*?)</li>', pin, re.S)  # 400005: Colaba's post offices
    assert len(offices) == 3 and all("(400005)" in o for o in offices)
    assert any("Colaba Police Station" in o for o in offices)
    coordinates = http.get("/directory", params={"q": "18.9067, 72.8147"}).text
    assert 'data-testid="place-row"' in coordinates


def test_each_station_can_be_called_texted_and_has_its_poster_in_the_pages_language(http, home_station):
    page = http.get("/mr/directory").text
    row = re.search(rf'<li class="station" data-testid="station-row" id="station-{home_station.id}">(.*?)</li>',
                    page, re.S).group(1)
    assert "कुलाबा पोलीस ठाणे" in row and "Colaba Police Station" in row
    assert f'href="tel:{home_station.women_helpline}"' in row and f'href="sms:{home_station.women_helpline}"' in row
    assert f'href="tel:{home_station.general_number}"' in row
    assert f'href="/stations/{home_station.id}/poster.pdf?lang=mr"' in row and "पोस्टर (PDF)" in row


def test_a_public_page_without_a_session_is_compressed_and_starts_no_session(server_url):
    with httpx.Client(base_url=server_url) as browser:
        raw = browser.get("/hi/directory", headers={"accept-encoding": "gzip"})
        assert raw.headers["content-encoding"] == "gzip" and "suraksha_session" not in raw.cookies
        assert "Accept-Encoding" in raw.headers["vary"] and "Accept-Language" in raw.headers["vary"]
        assert "महिला हेल्पलाइन" in raw.text
        login = browser.get("/login", headers={"accept-encoding": "gzip"})  # it carries a CSRF token: never
        assert "content-encoding" not in login.headers


def test_a_signed_in_page_is_never_compressed(server_url, container):
    client, _ = web_sign_in(server_url, container, "dispatcher")
    try:
        r = client.get("/directory", headers={"accept-encoding": "gzip"})
        assert r.status_code == 200 and "content-encoding" not in r.headers  # it has the session's CSRF token
    finally:
        client.close()


def test_static_files_are_compressed_and_the_font_ships_with_its_licence(http):
    css = http.get("/static/app.css", headers={"accept-encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip"
    assert "noto-sans-devanagari-400.woff2" in css.text
    font = http.get("/static/vendor/noto-sans-devanagari/noto-sans-devanagari-400.woff2")
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
    assert "SIL OPEN FONT LICENSE" in http.get("/static/vendor/noto-sans-devanagari/OFL.txt").text
    assert len(gzip.compress(http.get("/static/directory.js").content)) < 4000


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_api_description_uses_only_shipped_assets_and_no_inline_script(http, path):
    r = http.get(path)
    assert r.status_code == 200
    assert "http://" not in r.text.replace(str(r.url.copy_with(path="/")), "") and "https://" not in r.text
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", r.text)  # no inline script
    policy = r.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "http" not in policy
