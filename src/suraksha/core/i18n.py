"""Languages: the message catalogs (gettext `.po` files under `suraksha/locale/`, read with Babel).

Three domains: `web` for what staff and the public read on pages, `sms` for what she is sent, `posters` for
the printed posters and social-media text. English is the
source language (the msgid); Hindi and Marathi are catalogs. Adding a language is adding its code to
`LANGUAGES` and a catalog per domain (docs/i18n.md). Catalogs are read once per process from the `.po` files
that ship with the package, so no compile step is needed.
"""

from __future__ import annotations

import io
from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("en", "hi", "mr")  # English, Hindi, Marathi
DEFAULT_LANGUAGE = "en"
DOMAINS = ("web", "sms", "posters")  # pages; what she is sent; printed posters and social-media text
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# Each language's own name, as the switcher shows it (in its own script, so she finds hers).
NATIVE_NAMES = {"en": "English", "hi": "हिन्दी", "mr": "मराठी"}


def N_(message: str) -> str:  # gettext's name for "mark for extraction, translate later"
    """Marks a message for the catalogs where it is defined; it is translated where it is shown."""
    return message


def supported(lang: str | None) -> str:
    """The language to use for a requested code ("hi-IN" -> "hi"); English when unsupported."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def catalog_path(lang: str, domain: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


@cache
def catalog(lang: str, domain: str) -> Catalog | None:
    """The parsed `.po` file of a language and domain (None for English and for a missing catalog)."""
    path = catalog_path(lang, domain)
    if lang == DEFAULT_LANGUAGE or not path.exists():
        return None
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=domain)


@cache
def translations(lang: str, domain: str) -> NullTranslations:
    """The catalog for a language and domain; English (and a missing catalog) returns the msgid itself."""
    found = catalog(lang, domain)
    if found is None:
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, found, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


def gettext(lang: str, domain: str, message: str) -> str:
    return translations(supported(lang), domain).gettext(message)


def ngettext(lang: str, domain: str, singular: str, plural: str, n: int) -> str:
    return translations(supported(lang), domain).ngettext(singular, plural, n)


@cache
def script_messages(lang: str, domain: str, script: str) -> dict[str, str]:
    """The translated messages a static script uses ({English: translation}), found by the catalog's source
    references to that file (`#: src/suraksha/web/static/directory.js:12`). Pages pass them to the script in a
    JSON block (the Content-Security-Policy allows no inline script); English needs none."""
    found = catalog(supported(lang), domain)
    if found is None:
        return {}
    return {str(m.id): str(m.string) for m in found
            if m.id and m.string and not m.fuzzy and isinstance(m.id, str)
            and any(Path(file).name == script for file, _ in m.locations)}
