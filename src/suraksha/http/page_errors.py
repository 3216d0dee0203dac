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
    "api_only_account": N_("This account is for an app's or a device's connection to Suraksha, not for signing in "
                           "here."),
    "forbidden": N_("You may not use this page."),
    "out_of_scope": N_("That is outside your area."),
    "forbidden_scope": N_("Your account may not upload records of that state."),
    "purpose_required": N_("Choose the purpose of this search and describe it in a few words."),
    "unknown_state": N_("That is not a state or union territory."),
    "not_utf8": N_("The file is not UTF-8 text."),
    "bad_header": N_("The file lacks columns the registry needs (see the list in the documentation)."),
    "registry_index_building": N_("The registry is still being prepared. Try again in a minute."),
    "file_required": N_("Choose a CSV file to upload."),
    "merge_state": N_("Someone has decided this merge already: the list shows it as it is now."),
    "invalid_phone": N_("That is not a phone number."),
    "invalid_date": N_("Give the dates as YYYY-MM-DD."),
    "number_not_at_station": N_("That number is not one of this station's helpline numbers."),
    "number_not_held": N_("No station holds that phone's number now."),
    "invalid_sim_number": N_("The SIM number is 10 to 22 digits (its ICCID or its phone number)."),
    "handset_model_required": N_("Say which phone it is (make and model)."),
    "handset_donor_required": N_("Say who gave or bought the phone."),
    "free_period_before_given": N_("The free period cannot end before the phone was given."),
    "handset_retired": N_("That phone is retired: it is kept as it was."),
    "reason_required": N_("Give a reason."),
    "retired_before_given": N_("A phone cannot be retired before it was given."),
    "invalid_shift": N_("Check the shift: it ends after it starts, lasts at most 24 hours and is not over."),
    "woman_officer_required": N_("A Nirbhaya squad's shift names its woman officer."),
    "shift_overlaps": N_("The unit already has a shift at that time."),
    "crew_out_of_area": N_("That responder belongs to another area."),
    "invalid_call_sign": N_("That is not a call sign (e.g. MUM-NS-014)."),
    "call_sign_taken": N_("That call sign is taken."),
    "invalid_kind": N_("Choose the kind of unit."),
    "station_required": N_("Choose a station."),
    "invalid_transition": N_("The unit's status does not allow that now."),
    "name_required": N_("Give your name."),
    "name_too_long": N_("A name has at most 120 characters."),
    "invalid_language": N_("Choose English, Hindi or Marathi."),
    "locality_required": N_("Say where you can help: a locality or a PIN code."),
    "invalid_skill": N_("Choose what you can offer from the list."),
    "unknown_city": N_("Choose a city Suraksha serves."),
    "unknown_locality": N_("That place was not found: type a locality or a PIN code."),
    "outside_area": N_("No police station of the city covers that place."),
    "check_required": N_("Say what you checked in person (at least 3 characters)."),
    "invalid_username": N_("A username is 3 to 64 letters, digits, dots, dashes or underscores."),
    "account_exists": N_("That username is taken."),
    "invalid_volunteer_transition": N_("The volunteer's state does not allow that now."),
    "volunteer_changed": N_("Someone changed this volunteer meanwhile: look again."),
    "alert_expired": N_("This alert has expired: thank you all the same."),
    "alert_withdrawn": N_("Help is no longer needed there."),
    "already_answered": N_("You have answered this alert already."),
    "invalid_position": N_("That is not a position on the earth."),
    "position_required": N_("Say where you are: use the phone's location or type a place."),
    "volunteer_not_active": N_("Your volunteering is not active now: ask your police station."),
    "sections_required": N_("Choose at least one offence section."),
    "unknown_section": N_("That is not a section of the offence table."),
    "woman_officer_must_record": N_("A sexual offence is recorded by a woman officer: name her."),
    "occurred_in_future": N_("It cannot have happened after now."),
    "invalid_date_time": N_("Give the date and time it happened."),
    "victim_name_required": N_("Give her name: it is sealed at once."),
    "victim_age_required": N_("A POCSO offence needs the child's age."),
    "pocso_victim_not_a_child": N_("POCSO protects children: her age must be under 18."),
    "invalid_age": N_("An age is a whole number from 0 to 120."),
    "place_required": N_("Say where it happened."),
    "accused_required": N_("List the accused: an unknown person counts."),
    "accused_name_required": N_("Name the known accused, or choose unknown person."),
    "summary_required": N_("Write the substance of her information."),
    "incident_not_found": N_("No such incident in your area."),
    "unknown_station": N_("Choose a station from the list."),
    "io_not_eligible": N_("Choose a station officer of the case's station."),
    "already_the_io": N_("That officer is already the investigating officer."),
    "jurisdiction_required": N_("Choose the station with jurisdiction."),
    "already_at_station": N_("The FIR is already at that station."),
    "invalid_delay_category": N_("Choose why it is delayed."),
    "report_reference_required": N_("Give the report's number or reference."),
    "filed_in_future": N_("A report cannot be filed after today."),
    "filed_before_fir": N_("A report cannot be filed before the FIR."),
    "clock_already_stopped": N_("The clock has already stopped: the final report is recorded."),
    "case_not_under_investigation": N_("The case is not under investigation now."),
    "signature_too_late": N_("More than three days have passed: the e-FIR lapsed."),
    "unseal_forbidden_role": N_("Your role may not unseal her identity."),
    "not_the_investigating_officer": N_("Only the case's investigating officer may unseal her identity."),
    "unknown_lab": N_("Choose a forensic lab from the list."),
    "invalid_sample_kind": N_("Choose the kind of sample from the list."),
    "sample_description_required": N_("Describe the sample in a few words (never her name)."),
    "forensic_date_in_future": N_("A forensic step cannot be dated after today."),
    "forensic_date_order": N_("That day is too early: a sample is sent after the offence, and received and "
                              "reported after it was sent."),
    "forensic_step_done": N_("That step of the sample is recorded already."),
    "forensic_not_sent": N_("Record first that the sample was sent."),
    "forensic_result_required": N_("Write the result, or the lab's report reference."),
    "forensic_conclusive_required": N_("Say whether the result is conclusive."),
    "forensic_request_not_found": N_("The case has no such forensic request."),
    "forensic_result_missing": N_("A requested forensic result is missing: record it, or give the reason for "
                                  "filing the charge-sheet without it."),
    "invalid_lab": N_("Check the lab: a code, a name, the state's two letters, a city, its kind and 1 to 365 days."),
    "case_not_charge_sheeted": N_("Only a charge-sheeted case goes to court."),
    "case_already_disposed": N_("The court has disposed of the case."),
    "unknown_court": N_("Choose a court from the list."),
    "court_of_another_state": N_("Choose a court of the case's own state."),
    "court_tries_pocso_only": N_("An exclusive POCSO court tries POCSO cases only: choose a fast-track court."),
    "court_inactive": N_("That court no longer takes cases."),
    "already_at_court": N_("The case is already at that court."),
    "no_court_allocated": N_("Allocate the case to a court first."),
    "hearing_outcome_pending": N_("Record the outcome of the hearing already scheduled first."),
    "hearing_in_past": N_("A hearing is scheduled for today or later."),
    "hearing_too_far": N_("A hearing is scheduled within two years."),
    "hearing_not_yet_held": N_("The hearing has not taken place yet."),
    "outcome_already_recorded": N_("That hearing's outcome is already recorded."),
    "invalid_outcome": N_("Choose what happened at the hearing."),
    "invalid_disposal": N_("Choose conviction, acquittal or other."),
    "judgment_ref_required": N_("Give the judgment's reference."),
    "disposal_detail_required": N_("Say how it was disposed of (discharged, compounded, abated …)."),
    "disposed_in_future": N_("A judgment cannot be dated after today."),
    "disposed_before_allocation": N_("A judgment cannot be dated before the court had the case."),
    "convicted_required": N_("Say which accused were convicted."),
    "unknown_accused": N_("Choose the convicted accused from the list."),
    "society_name_required": N_("Give the society's name."),
    "address_required": N_("Give the society's address."),
    "address_too_long": N_("An address has at most 300 characters."),
    "coordinator_name_required": N_("Give the coordinator's name."),
    "coordinator_taken": N_("That number already coordinates a society."),
    "unavailable": N_("The service is not answering just now. Try again shortly."),
    "database_unavailable": N_("The service is not answering just now. Try again shortly."),
    "starting": N_("The service is starting. Try again in a moment."),
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
