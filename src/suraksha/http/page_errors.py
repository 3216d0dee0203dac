"""Errors as a person at a page reads them, in the page's language.

The API answers with the error's English `message` and its stable `code` (clients script against the code). A
page translates by the code: each code a page can show has a message in the `web` catalogs here. A code not
listed shows its English message, so a new error is never hidden, only untranslated until it is added.
"""

from __future__ import annotations

from suraksha.core.errors import SurakshaError
from suraksha.core.i18n import DEFAULT_LANGUAGE, N_, gettext

DOMAIN = "web"
NOT_FOUND = N_("Nothing is here: the address may be wrong, or what it named no longer exists.")
# code -> message; `%(seconds)s` is filled from the error's `retry_after`.
MESSAGES: dict[str, str] = {
    "bad_credentials": N_("Wrong username or password."),
    "too_many_attempts": N_("Too many wrong passwords: try again in %(seconds)s seconds."),
    "account_locked": N_("This account is locked after repeated wrong passwords: an administrator must unlock it."),
    "wrong_code": N_("That code is not right, or it has been used already."),
    "csrf_failed": N_("This form has expired. Reload the page and try again."),
    "forbidden_role": N_("Your role may not use this page."),
    "forbidden": N_("You may not use this page."),
    "out_of_scope": N_("That is outside your area."),
    "forbidden_scope": N_("Your account may not upload records of that state."),
    "purpose_required": N_("Choose the purpose of this search and describe it in a few words."),
    "unknown_state": N_("That is not a state or union territory."),
    "not_utf8": N_("The file is not UTF-8 text."),
    "bad_header": N_("The file lacks columns the registry needs (see the list in the documentation)."),
    "registry_index_building": N_("The registry is still being prepared. Try again in a minute."),
    "unavailable": N_("The service is not answering just now. Try again shortly."),
    "database_unavailable": N_("The service is not answering just now. Try again shortly."),
}


class ShownError(str):
    """An error as a page shows it: the text in the page's language, with the error's stable `code`."""

    code: str = ""

    @property
    def message(self) -> str:
        return str(self)


def shown(err: SurakshaError, lang: str) -> ShownError:
    text = ShownError(message(err, lang))
    text.code = err.code
    return text


def message(err: SurakshaError, lang: str) -> str:
    """What a page shows for an error: English as the service wrote it, other languages by its code."""
    return text(err.code, err.message, lang, getattr(err, "retry_after", None))


def text(code: str, english: str, lang: str, seconds: int | None = None) -> str:
    """The message of an error code in a language; the English message where the code has none."""
    if lang == DEFAULT_LANGUAGE:
        return english
    found = MESSAGES.get(code) or (NOT_FOUND if code.endswith("not_found") else None)
    if found is None:
        return english
    return gettext(lang, DOMAIN, found) % {"seconds": seconds or ""}
