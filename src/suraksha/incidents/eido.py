"""An incident as a NENA EIDO (Emergency Incident Data Object, NENA-STA-021.1b, JSON form), and back. Plain rules.

`build` writes the document a control room sends another: the incident, call, location (PIDF-LO), agency, person
and notes components. `read` takes a document from another agency (Suraksha's or anyone's) apart into what an
incident needs, checking what it relies on; anything it cannot use is refused with a stable code before anything is
written. The field-by-field mapping is in docs/interop.md.

Her identity (her numbers, her words, staff notes that may name her) is in a document only when the caller says so
(`victim_details`): the service decides that from the exporting account and the receiving agency.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from suraksha.core.errors import InvalidInput

EIDO_VERSION = "1.0"
SENDER_ROLE = "CallReceiving"  # NENA's agency role registry: the agency that took the call
RECEIVER_ROLE = "Notified"  # the agency the document is sent to
AGENCY_TYPE = "police"  # IANA urn:emergency:service:responder registry, without its prefix
VICTIM_ROLE = "Victim"
PRIORITY_PREFIX = "P"  # incidentPriorityInternalText: "P1" … "P5", Suraksha's own scale (1 is the highest)
LOWEST = 5
DEFAULT_PRIORITY = 1  # a document that says nothing about urgency: treated as an emergency until a person looks
DEFAULT_CATEGORY = "help_request"
MAX_NOTES = 200
MAX_NOTE = 4000
MAX_TEXT = 256
_ID = re.compile(r"^[^\x00-\x1f\x7f]{1,256}$")
_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # no database stores a NUL in text

# Suraksha's categories and the NENA incident type registry's words for them (incidentTypeCommonRegistryText).
# Reading, a Suraksha sender's own code (incidentTypeInternalCode) wins; another agency's registry text is mapped back.
COMMON_TYPES = {
    "immediate_danger": "Law Enforcement.Assault",
    "sexual_assault": "Law Enforcement.Sexual Assault",
    "child_at_risk": "Law Enforcement.Child Abuse",
    "domestic_violence": "Law Enforcement.Domestic Violence",
    "stalking_harassment": "Law Enforcement.Harassment",
    "cyber": "Law Enforcement.Fraud",
    "help_request": "Law Enforcement",
}
STATUS_OPEN, STATUS_CLOSED = "Active", "Closed"  # incidentStatusCommonRegistryText

NS = {"pidf": "urn:ietf:params:xml:ns:pidf", "gp": "urn:ietf:params:xml:ns:pidf:geopriv10",
      "gml": "http://www.opengis.net/gml", "gs": "http://www.opengis.net/pidflo/1.0",
      "dm": "urn:ietf:params:xml:ns:pidf:data-model", "ca": "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"}
WGS84 = "urn:ogc:def:crs:EPSG::4326"
METRES = "urn:ogc:def:uom:EPSG::9001"


@dataclass(frozen=True)
class Note:
    at: datetime
    text: str
    by: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """What an export says about one incident (the service has already decided what she may be shown as)."""

    agency_id: str  # the sending control room (SURAKSHA_AGENCY_ID)
    tracking: str
    category: str
    priority: int
    status: str
    channel: str
    received_at: datetime
    updated_at: datetime
    station_name: str | None
    city: str | None
    lon: float | None  # only when her location is known
    lat: float | None
    accuracy_m: float | None
    notes: tuple[Note, ...] = ()
    phones: tuple[str, ...] = ()  # her numbers, E.164: only with victim details
    name: str | None = None  # her name: only with victim details, when the incident has one
    to_agency: str | None = None
    to_agency_name: str | None = None
    victim_details: bool = False


@dataclass(frozen=True)
class Incoming:
    """What an imported document gives the receiving control room."""

    eido_id: str
    agency_id: str  # the sending agency (updatedByAgencyReference)
    sender_tracking: str | None  # its own incident id (internalIncidentId), if it gave one
    call_ids: tuple[str, ...]
    category: str
    priority: int
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    place_text: str | None  # a civic address or a location's description, when there are no coordinates
    notes: tuple[Note, ...] = ()
    phones: tuple[str, ...] = ()  # call-back numbers (tel: URIs) of the person components
    names: tuple[str, ...] = ()
    started_at: datetime | None = None
    type_text: str | None = None  # the sender's own words for the type, when it was not one of ours
    components: tuple[str, ...] = field(default=())  # which components it carried (for the log)


def eido_id(agency_id: str, tracking: str) -> str:
    """The document's (and the incident's) id: stable, so that sending the same incident again is recognised."""
    return f"urn:emergency:uid:incidentid:{tracking}:{agency_id}"


def call_id(agency_id: str, tracking: str) -> str:
    return f"urn:emergency:uid:callid:{tracking}:{agency_id}"


def ts(value: datetime) -> str:
    """NENA-STA-010.3 time stamps: with the zone's offset, milliseconds."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def build(o: Outgoing) -> dict[str, Any]:
    """The EIDO of one incident (see the module's docstring)."""
    doc_id, at = eido_id(o.agency_id, o.tracking), ts(o.updated_at)
    base = f"urn:suraksha:{o.agency_id}:{o.tracking}"

    def prologue(component_id: str, when: str = at) -> dict[str, Any]:
        return {"$id": component_id, "lastUpdateTimeStamp": when, "updatedByAgencyReference": {"$ref": o.agency_id}}

    ref = _refs
    location_ids = [f"{base}:location"] if o.lon is not None and o.lat is not None else []
    person_id, callback_id = f"{base}:person", f"{base}:callback"
    notes = [prologue(f"{base}:note:{i}", ts(n.at)) | {"notesActionComments": html.escape(n.text)}
             for i, n in enumerate(o.notes[:MAX_NOTES], start=1)]
    incident: dict[str, Any] = prologue(f"{base}:incident") | {
        "incidentTypeCommonRegistryText": COMMON_TYPES.get(o.category, COMMON_TYPES[DEFAULT_CATEGORY]),
        "incidentTypeInternalCode": o.category,
        "incidentStatusCommonRegistryText": [STATUS_CLOSED if o.status == "closed" else STATUS_OPEN],
        "incidentStatusInternalText": [o.status],
        "internalIncidentId": o.tracking,
        "incidentCommonPriorityNumber": o.priority,
        "incidentPriorityInternalText": f"{PRIORITY_PREFIX}{o.priority}",
        "locationReference": ref(location_ids),
        "personReference": ref([person_id]),
        "notesReference": ref([n["$id"] for n in notes]),
    }
    if o.station_name:
        incident["beatOrDispatchGroupText"] = o.station_name
    call: dict[str, Any] = prologue(call_id(o.agency_id, o.tracking)) | {
        "standardPrimaryCallType": "emergency", "localCallType": o.channel, "direction": "incoming",
        "callStartTimestamp": ts(o.received_at), "callStateRegistryText": "callEnd",
        "locationReference": ref(location_ids), "personReference": ref([person_id]),
    }
    person: dict[str, Any] = prologue(person_id) | {"personIncidentRoleRegistryText": [VICTIM_ROLE],
                                                   "callIdentifier": [call["$id"]]}
    agencies = [prologue(o.agency_id) | {"agencyRoleDescriptionRegistryText": [SENDER_ROLE],
                                         "agencyType": [AGENCY_TYPE], "incidentOwningAgencyIndicator": True}]
    if o.to_agency and o.to_agency != o.agency_id:
        agencies.append(prologue(o.to_agency) | {"agencyRoleDescriptionRegistryText": [RECEIVER_ROLE],
                                                 "agencyType": [AGENCY_TYPE], "incidentOwningAgencyIndicator": False})
    doc: dict[str, Any] = prologue(doc_id) | {
        "eidoVersion": EIDO_VERSION, "issuingElementIdentification": f"suraksha.{o.agency_id}",
        "incidentComponent": incident, "callComponent": [call], "agencyComponent": agencies,
        "personComponent": [person], "notesComponent": notes,
    }
    if location_ids and o.lon is not None and o.lat is not None:
        doc["locationComponent"] = [prologue(location_ids[0]) | {
            "locationTypeDescriptionRegistryText": "Caller",
            "locationByValue": pidf_lo(o.lon, o.lat, o.accuracy_m, o.updated_at, o.agency_id),
        } | ({"locationDescriptionText": o.city} if o.city else {})]
    if o.victim_details and o.phones:
        doc["callbackComponent"] = [prologue(callback_id) | {"callBackInformationUri": [f"tel:{p}" for p in o.phones]}]
        call["callBackReference"] = person["callBackReference"] = {"$ref": callback_id}
    if o.victim_details and o.name:
        person["ncPersonComponent"] = {"name": [{"personFullName": [{"value": o.name}]}]}
    for component in (incident, call):  # empty reference lists say nothing: left out
        for key in [k for k, v in component.items() if v == []]:
            del component[key]
    return doc


def _refs(ids: list[str]) -> list[dict[str, str]]:
    return [{"$ref": i} for i in ids]


def pidf_lo(lon: float, lat: float, accuracy_m: float | None, at: datetime, agency_id: str) -> str:
    """A PIDF-LO (RFC 4119, 5491) with her point, or a circle of the fix's radius: GML's `pos` is latitude first."""
    pos = f"<gml:pos>{lat:.6f} {lon:.6f}</gml:pos>"
    shape = (f'<gs:Circle srsName="{WGS84}">{pos}<gs:radius uom="{METRES}">{accuracy_m:.0f}</gs:radius></gs:Circle>'
             if accuracy_m else f'<gml:Point srsName="{WGS84}">{pos}</gml:Point>')
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<presence xmlns="{NS["pidf"]}" xmlns:gp="{NS["gp"]}" xmlns:gml="{NS["gml"]}" xmlns:gs="{NS["gs"]}"'
            f' xmlns:dm="{NS["dm"]}" entity="pres:{html.escape(agency_id, quote=True)}">'
            f'<dm:device id="incident"><gp:geopriv><gp:location-info>{shape}</gp:location-info>'
            '<gp:usage-rules/><gp:method>GPS</gp:method></gp:geopriv>'
            f'<dm:timestamp>{ts(at)}</dm:timestamp></dm:device></presence>')


# ------------------------------------------------------------------------------------------------ reading one


def bad(message: str, where: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_eido", field=where)


def read(doc: Any, categories: tuple[str, ...]) -> Incoming:
    """Take a document apart (see the module's docstring); `categories` are the receiving room's."""
    if not isinstance(doc, dict):
        raise bad("an EIDO is a JSON object", "$")
    if doc.get("eidoVersion") != EIDO_VERSION:
        raise InvalidInput(f"only EIDO version {EIDO_VERSION} is read", code="unsupported_eido_version",
                           field="eidoVersion")
    doc_id = _identifier(doc.get("$id"), "$id")
    sender = _identifier(_ref_of(doc.get("updatedByAgencyReference"), "updatedByAgencyReference"),
                         "updatedByAgencyReference")
    agencies = _components(doc, "agencyComponent", required=True)
    if not any(a.get("$id") == sender for a in agencies):
        raise bad("the sending agency (updatedByAgencyReference) is not among the agency components",
                  "agencyComponent")
    incident = doc.get("incidentComponent")
    if incident is not None and not isinstance(incident, dict):
        raise bad("incidentComponent is an object", "incidentComponent")
    incident = incident or {}
    calls = _components(doc, "callComponent")
    notes = tuple(_note(n, i) for i, n in enumerate(_components(doc, "notesComponent")[:MAX_NOTES]))
    lon, lat, accuracy, place = _where(_components(doc, "locationComponent"))
    phones, names = _people(doc)
    category, type_text = _category(incident, categories)
    started = [c.get("callStartTimestamp") for c in calls if isinstance(c.get("callStartTimestamp"), str)]
    sender_tracking = incident.get("internalIncidentId")
    return Incoming(
        eido_id=doc_id, agency_id=sender,
        sender_tracking=_identifier(sender_tracking, "incidentComponent.internalIncidentId")
        if sender_tracking is not None else None,
        call_ids=tuple(_identifier(c.get("$id"), "callComponent.$id") for c in calls),
        category=category, priority=_priority(incident), lon=lon, lat=lat, accuracy_m=accuracy, place_text=place,
        notes=notes, phones=phones, names=names,
        started_at=_time(started[0], "callStartTimestamp") if started else None,
        type_text=type_text,
        components=tuple(k for k in doc if k.endswith("Component")),
    )


def _identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise bad(f"{where} must be an identifier of 1 to 256 printable characters", where)
    return value


def _ref_of(value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise bad(f"{where} must be a reference ({{\"$ref\": id}})", where)
    return value.get("$ref")


def _components(doc: dict, key: str, required: bool = False) -> list[dict]:
    value = doc.get(key, None)
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value) or not all(isinstance(c, dict) for c in value):
        raise bad(f"{key} must be a list of components" + (" (at least one)" if required else ""), key)
    return value


def _text(value: Any, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise bad(f"{where} must be text", where)
    return _CONTROL.sub("", value[:limit])


def _time(value: Any, where: str) -> datetime:
    try:
        at = datetime.fromisoformat(_text(value, where))
    except ValueError:
        raise bad(f"{where} is not a date and time", where) from None
    if at.tzinfo is None:
        raise bad(f"{where} needs its zone's offset", where)
    try:
        return at.astimezone(UTC)
    except OverflowError:
        raise bad(f"{where} is out of range", where) from None


def _note(n: dict, i: int) -> Note:
    where = f"notesComponent[{i}]"
    text = html.unescape(_TAG.sub(" ", _text(n.get("notesActionComments"), where + ".notesActionComments",
                                             MAX_NOTE * 2)))
    text = " ".join(text.split())[:MAX_NOTE]
    if not text:
        raise bad("a note has no text", where)
    by = n.get("updatedByAgencyReference")
    agency = by.get("$ref") if isinstance(by, dict) else None
    return Note(_time(n.get("lastUpdateTimeStamp"), where + ".lastUpdateTimeStamp"), text,
                _CONTROL.sub("", agency)[:64] or None if isinstance(agency, str) else None)


def _priority(incident: dict) -> int:
    internal = incident.get("incidentPriorityInternalText")
    if isinstance(internal, str) and re.fullmatch(rf"{PRIORITY_PREFIX}[1-{LOWEST}]", internal):
        return int(internal[1:])
    common = incident.get("incidentCommonPriorityNumber")
    if common is None:
        return DEFAULT_PRIORITY
    if isinstance(common, bool) or not isinstance(common, int) or not 0 <= common <= 10:
        raise bad("incidentCommonPriorityNumber is a whole number from 0 to 10", "incidentCommonPriorityNumber")
    return min(max(common, 1), LOWEST)


def _category(incident: dict, categories: tuple[str, ...]) -> tuple[str, str | None]:
    code = incident.get("incidentTypeInternalCode")
    if isinstance(code, str) and code in categories:
        return code, None
    common = incident.get("incidentTypeCommonRegistryText")
    if incident and not isinstance(common, str):
        raise bad("incidentTypeCommonRegistryText is required in an incident component", "incidentComponent")
    for category, words in COMMON_TYPES.items():
        if common == words and category in categories:
            return category, None
    named = incident.get("incidentTypeInternalText")
    text = _CONTROL.sub("", " / ".join(t[:MAX_TEXT] for t in (common, named, code) if isinstance(t, str)))
    return DEFAULT_CATEGORY, text or None


def _where(locations: list[dict]) -> tuple[float | None, float | None, float | None, str | None]:
    """The first location with coordinates (a PIDF-LO point or circle); else a civic address or description."""
    places: list[str] = []
    for i, loc in enumerate(locations):
        where = f"locationComponent[{i}]"
        by_value = loc.get("locationByValue")
        if by_value is not None:
            point, civic = parse_pidf_lo(_text(by_value, where + ".locationByValue", 64 * 1024), where)
            if point is not None:
                return (*point, None)
            if civic:
                places.append(civic)
        description = loc.get("locationDescriptionText")
        if isinstance(description, str) and description.strip():
            places.append(_CONTROL.sub("", description.strip()[:MAX_TEXT]))
    return None, None, None, "; ".join(places)[:1000] or None


def parse_pidf_lo(text: str, where: str = "locationByValue") -> tuple[tuple[float, float, float | None] | None, str]:
    """(lon, lat, radius in metres) of the first GML position, and the civic address in words. Documents with a
    DOCTYPE or entities are refused (no entity expansion, no external fetch)."""
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise bad("a location may not declare a DOCTYPE or entities", where)
    try:
        root = ET.fromstring(text.strip())
    except ET.ParseError:
        raise bad("the location is not well-formed PIDF-LO XML", where) from None
    civic = root.find(".//ca:civicAddress", NS)
    words = ", ".join(f"{c.tag.rsplit('}', 1)[-1]} {c.text.strip()}" for c in (civic if civic is not None else [])
                      if c.text and c.text.strip())
    pos = root.find(".//gml:pos", NS)
    if pos is None or not (pos.text or "").strip():
        return None, words
    try:
        lat, lon = (float(x) for x in (pos.text or "").split())
    except ValueError:
        raise bad("a GML position is two numbers: latitude and longitude", where) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad("the position is not on Earth", where)
    radius = root.find(".//gs:radius", NS)
    metres = None
    if radius is not None and radius.text:
        try:
            metres = max(0.0, min(float(radius.text), 100_000.0))
        except ValueError:
            raise bad("a circle's radius is a number of metres", where) from None
    return (lon, lat, metres), words


def _people(doc: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Call-back numbers (tel: URIs of the call-back components) and full names of the person components."""
    phones: list[str] = []
    for i, cb in enumerate(_components(doc, "callbackComponent")):
        uris = cb.get("callBackInformationUri", [])
        if not isinstance(uris, list):
            raise bad("callBackInformationUri is a list", f"callbackComponent[{i}]")
        phones += [u[4:].split(";")[0][:32] for u in uris if isinstance(u, str) and u.startswith("tel:")]
    names: list[str] = []
    for person in _components(doc, "personComponent"):
        nc = person.get("ncPersonComponent")
        listed = nc.get("name") if isinstance(nc, dict) else None
        for name in listed if isinstance(listed, list) else []:
            full = name.get("personFullName") if isinstance(name, dict) else None
            for part in full if isinstance(full, list) else []:
                if isinstance(part, dict) and isinstance(part.get("value"), str) and part["value"].strip():
                    names.append(_CONTROL.sub("", part["value"].strip()[:200]))
    return tuple(dict.fromkeys(phones)), tuple(dict.fromkeys(names))
