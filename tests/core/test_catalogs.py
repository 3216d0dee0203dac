"""The message catalogs: every `.po` under `src/suraksha/locale` is checked against the code it translates.

A catalog's domain is its file name (`web.po`, `sms.po`, `posters.po`); where that domain's messages are written
is `babel/<domain>.cfg`, the same mapping `pybabel extract` reads (docs/i18n.md). A message the code uses and the
catalog lacks, a message the catalog has and the code no longer uses, an empty or fuzzy translation, or a
translation whose placeholders differ from the English all fail here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from suraksha.core.i18n import LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "babel"
CATALOGS = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")
KEYWORD_CALL = re.compile(r"""\b_\("((?:[^"\\]|\\.)*)"[,)]""")


def _id(path: Path) -> str:
    return f"{path.parts[-3]}/{path.stem}"


@cache
def extracted(domain: str) -> dict[str, list[str]]:
    """msgid -> the files that use it, as `pybabel extract -F babel/<domain>.cfg` finds them."""
    with (MAPPINGS / f"{domain}.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(ROOT, method_map, options_map):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, []).append(filename)
    return found


def test_there_are_catalogs_and_each_language_is_known():
    assert CATALOGS, "no catalogs under src/suraksha/locale"
    for path in CATALOGS:
        assert path.parts[-3] in LANGUAGES, f"{path}: add the language to core.i18n.LANGUAGES"


@pytest.mark.parametrize("path", CATALOGS, ids=_id)
def test_a_catalog_matches_its_code_and_is_translated(path):
    domain = path.stem
    assert (MAPPINGS / f"{domain}.cfg").exists(), f"say where the {domain} messages are: babel/{domain}.cfg"
    code = extracted(domain)
    with path.open("rb") as f:
        catalog = read_po(f, locale=path.parts[-3], domain=domain)
    have = {m.id: m for m in catalog if m.id}
    ids = {x for m in have for x in ((m,) if isinstance(m, str) else m)}  # a plural: singular and plural
    missing = sorted(set(code) - ids)
    unused = sorted(ids - set(code))
    assert not missing, f"{path.name} ({path.parts[-3]}) lacks messages the code uses: {missing[:10]}"
    assert not unused, f"{path.name} ({path.parts[-3]}) has messages no code uses any more: {unused[:10]}"
    untranslated = [m.id for m in have.values() if m.fuzzy or not all(m.string if isinstance(m.string, tuple)
                                                                          else (m.string,))]
    assert not untranslated, f"{path.name} ({path.parts[-3]}) has untranslated messages: {untranslated[:10]}"
    for m in have.values():
        for english, translated in zip(m.id if isinstance(m.id, tuple) else (m.id,),
                                       m.string if isinstance(m.string, tuple) else (m.string,)):
            assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(translated)), (
                f"{path.name} ({path.parts[-3]}): the placeholders of {english!r} differ in {translated!r}")


def test_the_extractor_sees_every_message_of_the_scripts():
    """Babel's JavaScript extractor reads one level of `${…}` in template literals: a `_("…")` deeper than that
    would silently stay English. Every `_("…")` in the page scripts must be in the extracted messages."""
    code = extracted("web")
    for script in sorted((ROOT / "src/suraksha/web/static").glob("*.js")):
        calls = set(KEYWORD_CALL.findall(script.read_text()))
        unseen = sorted(c for c in calls if c not in code)
        assert not unseen, f"{script.name}: move these out of nested template literals: {unseen}"


def test_a_translation_reaches_a_page_and_english_is_the_message_itself():
    from suraksha.core.i18n import gettext, script_messages

    assert gettext("hi", "web", "Women helpline") == "महिला हेल्पलाइन"
    assert gettext("mr", "web", "Track a report") == "तक्रारीची स्थिती पाहा"
    assert gettext("en", "web", "Women helpline") == "Women helpline"
    assert script_messages("mr", "web", "directory.js")["Women helpline"] == "महिला हेल्पलाइन"
    assert "Women helpline" not in script_messages("mr", "web", "console.js")  # each script gets its own
    assert script_messages("en", "web", "directory.js") == {}
