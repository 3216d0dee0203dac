"""Who may call which route, as data: every (method, path template) the app serves is in exactly one of these.

`PUBLIC` needs no sign-in; `SIGNED` is called by a provider and authenticated by its signature instead of an
account; every other route is in `STAFF_ROLES` with the roles that may use it, as the code enforces it today
(`require_roles` in the routers, and the role checks the registry service makes). A route nobody classified
fails `tests/core/test_outsiders.py`, and so does an entry for a route that no longer exists; the same test
sends each staff route a request without credentials and one from every role outside its set.

Paths are FastAPI path templates (`/api/v1/incidents/{tracking}`); a mount (`/static`) is listed by its
prefix, with GET. HEAD goes with GET and is not listed.
"""

from __future__ import annotations

from suraksha.core.auth import (
    ROLES_OF_STAFF,
    ROLES_THAT_DISPATCH,
    ROLES_THAT_IMPORT_INCIDENTS,
    ROLES_THAT_INVESTIGATE,
    ROLES_THAT_KEEP_HANDSETS,
    ROLES_THAT_KEEP_PARTNER_AGENCIES,
    ROLES_THAT_MANAGE_INCIDENTS,
    ROLES_THAT_MANAGE_STATIONS,
    ROLES_THAT_RAISE_SOS,
    ROLES_THAT_REGISTER_SOCIETIES,
    ROLES_THAT_REVIEW_EXPORTS,
    ROLES_THAT_REVIEW_REGISTRY_AUDIT,
    ROLES_THAT_SEE_CASES,
    ROLES_THAT_SEE_INCIDENTS,
    ROLES_THAT_SEE_VOLUNTEERS_ON_AN_INCIDENT,
    ROLES_THAT_USE_REGISTRY,
    ROLES_THAT_VERIFY_VOLUNTEERS,
    ROLES_THAT_WATCH_THE_WALLBOARD,
    Role,
)

Route = tuple[str, str]  # (method, path template)


def _names(*roles: Role | frozenset[Role]) -> frozenset[str]:
    out: set[str] = set()
    for r in roles:
        out.update([r.value] if isinstance(r, Role) else (x.value for x in r))
    return frozenset(out)


PUBLIC: frozenset[Route] = frozenset({
    # pages anyone may open
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),  # CSRF-checked against the anonymous session
    ("GET", "/login/code"),  # the second step: only after a right password, for a few minutes
    ("POST", "/login/code"),
    ("GET", "/login/set-up"),  # setting up an authenticator: the same
    ("POST", "/login/set-up"),
    ("POST", "/logout"),  # CSRF-checked; clears whatever session there is
    ("GET", "/directory"),
    ("GET", "/track"),  # her report's progress by tracking number, nothing about anyone
    ("POST", "/track"),  # her case's stage by FIR number and case code (posted: the code stays out of URLs)
    ("POST", "/api/v1/case-status"),
    # asking for help or reporting without an account: a signed form token, a proof of work, a honeypot, a minimum
    # fill time and a per-client rate limit instead (intake/channels/web_form, docs/adr/0012)
    ("GET", "/help"),
    ("GET", "/api/v1/help/form"),
    ("POST", "/api/v1/help"),  # the same as JSON: a wrong pair answers as an unknown FIR
    ("GET", "/static"),
    # for the load balancer: alive, and ready (database and event bus), nothing else (web/health.py)
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    # the public station directory and jurisdiction lookup
    ("GET", "/api/v1/jurisdiction"),
    ("GET", "/api/v1/stations"),
    ("GET", "/api/v1/stations.geojson"),
    ("GET", "/api/v1/stations/{station_id}"),
    ("GET", "/stations/{station_id}/poster.pdf"),  # a station's women-helpline poster (printed and shared)
    # signing in
    ("POST", "/api/v1/auth/token"),
    # the API's description
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    # applying to volunteer near an SOS (CSRF-checked page; the station meets every applicant before verifying)
    ("GET", "/volunteer/apply"),
    ("POST", "/volunteer/apply"),
    ("POST", "/api/v1/volunteers/applications"),
})

# Provider webhooks: no account, the provider's signature instead (403 and nothing stored without it).
SIGNED: frozenset[Route] = frozenset({
    ("POST", "/webhooks/twilio/sms"),  # X-Twilio-Signature
    ("POST", "/webhooks/whatsapp"),  # X-Hub-Signature-256
    ("GET", "/webhooks/whatsapp"),  # Meta's handshake: hub.verify_token
    ("GET", "/metrics"),  # Prometheus: Authorization: Bearer SURAKSHA_METRICS_TOKEN (off without one)
})

EVERY_ROLE = _names(*Role)
_STAFF = _names(ROLES_OF_STAFF)  # every role but the volunteer and the integration
_VOLUNTEER = _names(Role.VOLUNTEER)  # a verified volunteer: their own page, alerts and answers, nothing else
_VERIFIERS = _names(ROLES_THAT_VERIFY_VOLUNTEERS)  # admin, station officer
_SEE_VOLUNTEERS = _names(ROLES_THAT_SEE_VOLUNTEERS_ON_AN_INCIDENT)  # dispatcher, station officer
_SEE = _names(ROLES_THAT_SEE_INCIDENTS)  # dispatcher, station officer, responder, admin
_MANAGE = _names(ROLES_THAT_MANAGE_INCIDENTS)  # dispatcher, station officer
_DISPATCH = _names(ROLES_THAT_DISPATCH)  # dispatcher
_STATIONS = _names(ROLES_THAT_MANAGE_STATIONS)  # admin
_REGISTRY = _names(ROLES_THAT_USE_REGISTRY)  # registry officer and supervisor
_AUDIT = _names(ROLES_THAT_REVIEW_REGISTRY_AUDIT)  # registry supervisor
# dispatch.service: MANAGERS, REPORTERS, STATUS_SETTERS, and the device gateway in dispatch.api
_UNIT_MANAGERS = _names(Role.ADMIN, Role.STATION_OFFICER)
_POSITION_REPORTERS = _names(Role.RESPONDER, Role.DISPATCHER, Role.ADMIN)
_STATUS_SETTERS = _names(Role.RESPONDER, Role.DISPATCHER)
_GATEWAY = _names(Role.DISPATCHER, Role.ADMIN)
_CREWS = _names(Role.RESPONDER)  # dispatch.service.CREWS: the responder's screen, for the unit they crew
_KEEPERS = _names(ROLES_THAT_KEEP_HANDSETS)  # admin, station officer
_WALLBOARD = _names(ROLES_THAT_WATCH_THE_WALLBOARD)  # dispatcher, station officer, admin
_CASES = _names(ROLES_THAT_SEE_CASES)  # station officer, admin: read cases, get the clock's alerts
_INVESTIGATE = _names(ROLES_THAT_INVESTIGATE)  # station officer: register FIRs, the steps of a case
# A station's registered offenders: the registry, and that station's own officers (the scope is checked after).
_STATION_OFFENDERS = _REGISTRY | _names(Role.STATION_OFFICER)
_SOCIETIES = _names(ROLES_THAT_REGISTER_SOCIETIES)  # admin, station officer (the scope is checked after)

STAFF_ROLES: dict[Route, frozenset[str]] = {
    # accounts
    ("GET", "/api/v1/me"): EVERY_ROLE,
    ("POST", "/api/v1/accounts/{username}/revoke"): _names(frozenset({Role.ADMIN})),
    ("POST", "/api/v1/accounts/{username}/unlock"): _names(frozenset({Role.ADMIN})),
    ("POST", "/api/v1/accounts/{username}/second-factor/reset"): _names(frozenset({Role.ADMIN})),
    ("GET", "/account"): EVERY_ROLE,
    ("POST", "/account/recovery-codes"): EVERY_ROLE,
    # incidents: reading
    ("GET", "/api/v1/incidents"): _SEE,
    ("GET", "/api/v1/incidents/search"): _SEE,
    ("GET", "/api/v1/dispositions"): _SEE,
    ("GET", "/api/v1/categories"): _SEE,
    ("GET", "/api/v1/incidents/{tracking}"): _SEE,
    ("GET", "/api/v1/incidents/{tracking}/timeline"): _SEE,
    ("GET", "/api/v1/incidents/noise"): _SEE,  # noise (docs/adr/0009): kept, out of the queue
    ("POST", "/api/v1/incidents/{tracking}/noise"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/genuine"): _MANAGE,
    # incidents: their life
    ("POST", "/api/v1/incidents/{tracking}/notes"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/priority"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/category"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/transfer"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/close"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/reopen"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/location/accept"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/location/dismiss"): _MANAGE,
    ("GET", "/api/v1/incidents/undelivered"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/messages/{message_id}/retry"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/messages/{message_id}/reached"): _MANAGE,
    # incidents: one per emergency (incidents/merging.py)
    ("GET", "/api/v1/incidents/{tracking}/merge-suggestions"): _MANAGE,
    ("GET", "/api/v1/merge-suggestions"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/merge"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/unmerge"): _MANAGE,
    ("POST", "/api/v1/incidents/{tracking}/merge-suggestions/{other}/reject"): _MANAGE,
    # incidents between control rooms (NENA EIDO, core.auth): sending is a read by whoever sees the incident (her
    # details by need to know, to a partner allowed them; audited); taking one in creates an incident here, so a
    # dispatcher or administrator in whose scope it falls, or another system's gateway account (integration)
    ("GET", "/api/v1/incidents/{tracking}/eido"): _SEE,
    ("GET", "/api/v1/incidents/{tracking}/eido/exports"): _names(ROLES_THAT_REVIEW_EXPORTS),
    ("POST", "/api/v1/eido"): _names(ROLES_THAT_IMPORT_INCIDENTS),
    ("GET", "/api/v1/partner-agencies"): _names(ROLES_THAT_KEEP_PARTNER_AGENCIES),
    ("PUT", "/api/v1/partner-agencies/{agency_id}"): _names(ROLES_THAT_KEEP_PARTNER_AGENCIES),
    ("DELETE", "/api/v1/partner-agencies/{agency_id}"): _names(ROLES_THAT_KEEP_PARTNER_AGENCIES),
    # stations: changes
    ("PUT", "/api/v1/stations/{station_id}/helplines"): _STATIONS,
    ("POST", "/api/v1/sos"): _names(ROLES_THAT_RAISE_SOS),  # an app's or a device's gateway
    # the 112 call-taker: log a call, a number's earlier contacts, a typed place (channels/voice_call)
    ("POST", "/api/v1/calls"): _MANAGE,
    ("POST", "/api/v1/calls/earlier"): _MANAGE,
    ("GET", "/api/v1/calls/places"): _MANAGE,
    ("GET", "/api/v1/stations/{station_id}/whatsapp"): _STATIONS,
    ("PUT", "/api/v1/stations/{station_id}/whatsapp"): _STATIONS,
    ("GET", "/api/v1/stations/{station_id}/helpline-history"): _STATIONS,
    ("POST", "/api/v1/stations/import"): _STATIONS,
    # dispatch
    ("GET", "/api/v1/units"): _SEE,
    ("POST", "/api/v1/units"): _UNIT_MANAGERS,
    ("GET", "/api/v1/units/{unit_id}"): _SEE,
    ("POST", "/api/v1/units/positions"): _GATEWAY,
    ("POST", "/api/v1/units/{unit_id}/positions"): _POSITION_REPORTERS,
    ("POST", "/api/v1/units/{unit_id}/status"): _STATUS_SETTERS,
    ("GET", "/api/v1/units/{unit_id}/assignment"): _CREWS,
    ("GET", "/api/v1/units/{unit_id}/roster"): _SEE,
    ("POST", "/api/v1/units/{unit_id}/shifts"): _UNIT_MANAGERS,
    ("POST", "/api/v1/shifts/{shift_id}/cancel"): _UNIT_MANAGERS,
    ("GET", "/api/v1/units/{unit_id}/crew"): _SEE,
    ("PUT", "/api/v1/units/{unit_id}/crew"): _UNIT_MANAGERS,
    ("GET", "/api/v1/units/{unit_id}/log"): _SEE,
    ("GET", "/api/v1/incidents/{tracking}/recommendations"): _DISPATCH,
    ("POST", "/api/v1/incidents/{tracking}/assignments"): _DISPATCH,
    ("GET", "/api/v1/incidents/{tracking}/assignments"): _SEE,
    ("GET", "/api/v1/incidents/{tracking}/tracks"): _SEE,  # replaying a response
    # the live feed
    ("GET", "/api/v1/stream"): _SEE | _VOLUNTEER,  # a volunteer receives only what is addressed to them
    # the offender registry
    ("POST", "/api/v1/registry/imports"): _REGISTRY,
    ("GET", "/api/v1/registry/search"): _REGISTRY,
    ("POST", "/api/v1/registry/linkage"): _REGISTRY,
    ("GET", "/api/v1/registry/registrations/{registration_id}"): _REGISTRY,
    ("POST", "/api/v1/registry/registrations/{registration_id}/files"): _REGISTRY,
    ("GET", "/api/v1/registry/alerts"): _REGISTRY,
    ("POST", "/api/v1/registry/alerts/{alert_id}/read"): _REGISTRY,
    ("GET", "/api/v1/registry/merges"): _REGISTRY,
    ("POST", "/api/v1/registry/merges/{merge_id}/confirm"): _REGISTRY,
    ("POST", "/api/v1/registry/merges/{merge_id}/reject"): _REGISTRY,
    ("POST", "/api/v1/registry/merges/{merge_id}/unmerge"): _REGISTRY,
    ("GET", "/api/v1/registry/audit"): _AUDIT,
    ("GET", "/api/v1/stations/{station_id}/registered-offenders"): _STATION_OFFENDERS,
    # staff pages
    ("GET", "/console"): _SEE,
    ("GET", "/calltaker"): _MANAGE,
    ("GET", "/incidents"): _SEE,
    ("GET", "/responder"): _CREWS,
    ("GET", "/wallboard"): _WALLBOARD,  # the supervisor's wallboard, and its figures below
    ("GET", "/api/v1/wallboard"): _WALLBOARD,
    ("GET", "/api/v1/analytics/contact-share"): _WALLBOARD,  # contacts that became incidents (docs/adr/0009)
    ("GET", "/registry"): _REGISTRY,
    ("GET", "/registry/results"): _REGISTRY,
    ("GET", "/registry/register"): _REGISTRY,  # one registration by hand (a conviction from a case), audited
    ("POST", "/registry/register"): _REGISTRY,
    ("GET", "/registry/upload"): _REGISTRY,
    ("POST", "/registry/upload"): _REGISTRY,
    ("GET", "/registry/station/{station_id}"): _STATION_OFFENDERS,
    # the registry's screens: a record, the merge review, the alerts inbox (role, purpose and scope checked and
    # audited by the service); the supervisors' overview and audit review
    ("GET", "/registry/records/{registration_id}"): _REGISTRY,
    ("GET", "/registry/merges"): _REGISTRY,
    ("POST", "/registry/merges/{merge_id}/confirm"): _REGISTRY,
    ("POST", "/registry/merges/{merge_id}/reject"): _REGISTRY,
    ("POST", "/registry/merges/{merge_id}/unmerge"): _REGISTRY,
    ("GET", "/registry/alerts"): _REGISTRY,
    ("POST", "/registry/alerts/{alert_id}/read"): _REGISTRY,
    ("GET", "/registry/oversight"): _AUDIT,
    ("GET", "/registry/audit"): _AUDIT,
    # the phones that carry helpline numbers: administrators and station officers (their station's, by scope)
    ("GET", "/api/v1/handsets"): _KEEPERS,
    ("GET", "/api/v1/handsets/{handset_id}"): _KEEPERS,
    ("PUT", "/api/v1/handsets/{handset_id}"): _KEEPERS,
    ("POST", "/api/v1/handsets/{handset_id}/retire"): _KEEPERS,
    ("GET", "/api/v1/stations/{station_id}/handsets"): _KEEPERS,
    ("POST", "/api/v1/stations/{station_id}/handsets"): _KEEPERS,
    # units, rosters and crews: pages for administrators and station officers
    ("GET", "/units"): _UNIT_MANAGERS,
    ("POST", "/units"): _UNIT_MANAGERS,
    ("GET", "/units/{unit_id}"): _UNIT_MANAGERS,
    ("POST", "/units/{unit_id}/shifts"): _UNIT_MANAGERS,
    ("POST", "/units/{unit_id}/crew"): _UNIT_MANAGERS,
    ("POST", "/units/{unit_id}/status"): _UNIT_MANAGERS,
    ("POST", "/shifts/{shift_id}/cancel"): _UNIT_MANAGERS,
    ("GET", "/phones"): _KEEPERS,
    # response-time targets: read by every staff account, changed by administrators
    ("GET", "/api/v1/response-targets"): _STAFF,
    ("PUT", "/api/v1/response-targets"): _STATIONS,
    ("DELETE", "/api/v1/response-targets/{target_id}"): _STATIONS,
    ("PUT", "/api/v1/stations/{station_id}/area-class"): _STATIONS,
    ("GET", "/stations/{station_id}/phones"): _KEEPERS,
    ("POST", "/stations/{station_id}/phones"): _KEEPERS,
    ("POST", "/phones/{handset_id}"): _KEEPERS,
    ("POST", "/phones/{handset_id}/retire"): _KEEPERS,
    # volunteers near an SOS: the station verifies; the control room sees who accepted; a volunteer their own
    ("GET", "/api/v1/volunteers"): _VERIFIERS,
    ("GET", "/api/v1/volunteers/{volunteer_id}"): _VERIFIERS,
    ("POST", "/api/v1/volunteers/{volunteer_id}/verify"): _VERIFIERS,
    ("POST", "/api/v1/volunteers/{volunteer_id}/refuse"): _VERIFIERS,
    ("POST", "/api/v1/volunteers/{volunteer_id}/suspend"): _VERIFIERS,
    ("POST", "/api/v1/volunteers/{volunteer_id}/reinstate"): _VERIFIERS,
    ("GET", "/api/v1/incidents/{tracking}/volunteers"): _SEE_VOLUNTEERS,
    ("GET", "/api/v1/volunteer"): _VOLUNTEER,
    ("GET", "/api/v1/volunteer/alerts"): _VOLUNTEER,
    ("PUT", "/api/v1/volunteer/availability"): _VOLUNTEER,
    ("PUT", "/api/v1/volunteer/position"): _VOLUNTEER,
    ("POST", "/api/v1/volunteer/alerts/{alert_id}/accept"): _VOLUNTEER,
    ("POST", "/api/v1/volunteer/alerts/{alert_id}/decline"): _VOLUNTEER,
    ("GET", "/volunteers"): _VERIFIERS,
    ("GET", "/volunteers/{volunteer_id}"): _VERIFIERS,
    ("POST", "/volunteers/{volunteer_id}/verify"): _VERIFIERS,
    ("POST", "/volunteers/{volunteer_id}/refuse"): _VERIFIERS,
    ("POST", "/volunteers/{volunteer_id}/suspend"): _VERIFIERS,
    ("POST", "/volunteers/{volunteer_id}/reinstate"): _VERIFIERS,
    ("GET", "/volunteer"): _VOLUNTEER,
    ("POST", "/volunteer/availability"): _VOLUNTEER,
    ("POST", "/volunteer/position"): _VOLUNTEER,
    ("POST", "/volunteer/alerts/{alert_id}/accept"): _VOLUNTEER,
    ("POST", "/volunteer/alerts/{alert_id}/decline"): _VOLUNTEER,
    # housing societies and their coordinators: a station's officers register them (issue 9, point 5)
    ("GET", "/api/v1/societies"): _SOCIETIES,
    ("POST", "/api/v1/societies"): _SOCIETIES,
    ("GET", "/api/v1/societies/{society_id}"): _SOCIETIES,
    ("PUT", "/api/v1/societies/{society_id}"): _SOCIETIES,
    ("PUT", "/api/v1/societies/{society_id}/active"): _SOCIETIES,
    ("POST", "/api/v1/societies/{society_id}/coordinators"): _SOCIETIES,
    ("DELETE", "/api/v1/societies/{society_id}/coordinators/{coordinator_id}"): _SOCIETIES,
    ("GET", "/societies"): _SOCIETIES,
    ("POST", "/societies"): _SOCIETIES,
    ("GET", "/societies/{society_id}"): _SOCIETIES,
    ("POST", "/societies/{society_id}"): _SOCIETIES,
    ("POST", "/societies/{society_id}/active"): _SOCIETIES,
    ("POST", "/societies/{society_id}/coordinators"): _SOCIETIES,
    ("POST", "/societies/{society_id}/coordinators/{coordinator_id}/remove"): _SOCIETIES,
    # the case side: FIRs, the investigation clock, her sealed identity (cases.api, cases.views)
    ("POST", "/api/v1/firs"): _INVESTIGATE,
    ("GET", "/api/v1/firs"): _CASES,
    ("GET", "/api/v1/firs/{fir_number}"): _CASES,
    ("POST", "/api/v1/firs/{fir_number}/transfer"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/io"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/delays"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/charge-sheet"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/closure-report"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/signature"): _INVESTIGATE,
    # a known accused looked for in, and linked to, the offender registry: through its service, purpose, its audit
    ("POST", "/api/v1/firs/{fir_number}/accused/{position}/registry-matches"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/accused/{position}/registry-link"): _INVESTIGATE,
    # any staff account may ask; only the case's IO is given her identity; every ask is audited (cases.identity)
    ("POST", "/api/v1/firs/{fir_number}/unseal"): _STAFF,
    # what she is told (cases.updates): an arrest, an update told in person
    ("POST", "/api/v1/firs/{fir_number}/accused/{position}/arrest"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/updates/{update_id}/told"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/arrest"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/updates/{update_id}/told"): _INVESTIGATE,
    # the court side (cases.courts): courts as data (administrators change them), a case's court, hearings, disposal
    ("GET", "/api/v1/courts"): _CASES,
    ("PUT", "/api/v1/courts/{code}"): _STATIONS,
    ("GET", "/api/v1/firs/{fir_number}/court"): _CASES,
    ("POST", "/api/v1/firs/{fir_number}/court"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/hearings"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/hearings/{hearing_id}/outcome"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/disposal"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/court"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/hearings"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/hearings/{hearing_id}/outcome"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/disposal"): _INVESTIGATE,
    ("GET", "/api/v1/case-alerts"): _CASES,
    ("GET", "/api/v1/offence-sections"): _CASES,
    ("GET", "/api/v1/deadline-rules"): _CASES,
    ("PUT", "/api/v1/deadline-rules/{offence_class}"): _STATIONS,
    ("GET", "/cases"): _CASES,
    ("GET", "/cases/new"): _INVESTIGATE,
    ("POST", "/cases/new"): _INVESTIGATE,
    ("GET", "/cases/{fir_number}"): _CASES,
    ("POST", "/cases/{fir_number}/io"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/delays"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/charge-sheet"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/closure-report"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/transfer"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/signature"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/unseal"): _CASES,
    # forensics (cases.forensics): labs as data (administrators change them), a case's requests and their steps
    ("GET", "/api/v1/forensic-labs"): _CASES,
    ("GET", "/api/v1/forensic-labs/turnaround"): _CASES,
    ("PUT", "/api/v1/forensic-labs/{lab_code}"): _STATIONS,
    ("GET", "/api/v1/forensic-requests"): _CASES,
    ("GET", "/api/v1/firs/{fir_number}/forensics"): _CASES,
    ("POST", "/api/v1/firs/{fir_number}/forensics"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/forensics/{request_id}/sent"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/forensics/{request_id}/received"): _INVESTIGATE,
    ("POST", "/api/v1/firs/{fir_number}/forensics/{request_id}/result"): _INVESTIGATE,
    ("GET", "/cases/forensics"): _CASES,
    # the case dashboards (cases.dashboards): counts of the area, no victim or accused; CSV and the month's PDF
    ("GET", "/api/v1/case-dashboard"): _CASES,
    ("GET", "/cases/dashboard"): _CASES,
    ("GET", "/cases/dashboard.csv"): _CASES,
    ("GET", "/cases/dashboard/report.pdf"): _CASES,
    ("POST", "/cases/{fir_number}/forensics"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/forensics/{request_id}/sent"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/forensics/{request_id}/received"): _INVESTIGATE,
    ("POST", "/cases/{fir_number}/forensics/{request_id}/result"): _INVESTIGATE,
}


def classified() -> frozenset[Route]:
    """Every route the classification names."""
    return PUBLIC | SIGNED | frozenset(STAFF_ROLES)
