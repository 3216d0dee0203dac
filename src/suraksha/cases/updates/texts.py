"""What she is told about her case by SMS, in her language (the `sms` catalogs, like what she is told about an
incident: docs/i18n.md). Each names the FIR number and the station (the hearing: its date in the city's local date
and the court); never her name, never the accused's, nothing else about anyone (BNS s72, POCSO s23).

Each fits two segments in English (GSM-7) and three in Hindi or Marathi (UCS-2) with the longest station name and
FIR number it can carry (tests/cases/test_updates.py).
"""

from __future__ import annotations

from suraksha.core import i18n
from suraksha.core.i18n import N_  # marks a message for extraction into the catalogs

DOMAIN = "sms"
MAX_SEGMENTS = {"en": 2, "hi": 3, "mr": 3}


FIR_REGISTERED = N_("Suraksha: FIR {fir} is registered at {station}. Follow your case at {link} with case code "
                    "{code}. Keep it private. In danger? Call 112.")
IO_ASSIGNED = N_("Suraksha: an investigating officer has been assigned to FIR {fir} at {station}.")
IO_REASSIGNED = N_("Suraksha: a new investigating officer now handles FIR {fir} at {station}.")
ARREST = N_("Suraksha: an accused in FIR {fir} ({station}) has been arrested.")
CHARGE_SHEET = N_("Suraksha: the charge-sheet in FIR {fir} ({station}) has been filed in court.")
CLOSURE_REPORT = N_("Suraksha: in FIR {fir} ({station}) police filed a closure report in court. The station will "
                    "explain it to you; you may object before the court.")
HEARING_DATE = N_("Suraksha: FIR {fir} ({station}): next hearing on {day} at {court}.")
PROGRESS = N_("Suraksha: FIR {fir} at {station} is still being pursued. The station can tell you more.")
OUTCOME = N_("Suraksha: the court has decided the case of FIR {fir} ({station}): {outcome}.")

OUTCOMES = {
    "conviction": N_("the accused was convicted"),
    "acquittal": N_("the accused was acquitted"),
    "other": N_("the case was closed by the court"),
}
TEMPLATES = {"fir_registered": FIR_REGISTERED, "io_assigned": IO_ASSIGNED, "io_reassigned": IO_REASSIGNED,
             "arrest": ARREST, "charge_sheet": CHARGE_SHEET, "closure_report": CLOSURE_REPORT,
             "hearing_date": HEARING_DATE, "progress": PROGRESS, "outcome": OUTCOME}


def _say(lang: str, message: str) -> str:
    return i18n.gettext(lang, DOMAIN, message)


def body(step: str, lang: str, fir: str, station: str, **detail: str) -> str:
    """Her message for a step; `detail` fills the step's own places (code and link, day and court, disposal)."""
    values = {"fir": fir, "station": station, "code": detail.get("code", ""), "link": detail.get("link", ""),
              "day": detail.get("day", ""), "court": str(detail.get("court", ""))[:80]}
    if step == "outcome":
        values["outcome"] = _say(lang, OUTCOMES.get(str(detail.get("disposal")), OUTCOMES["other"]))
    return _say(lang, TEMPLATES[step]).format(**values)
