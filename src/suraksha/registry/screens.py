"""What the registry's screens read: a record with its history, the merge review queue, the alerts inbox, and the
supervisor's overview and audit review.

Every read of registry data goes through the service's admission (role, stated purpose, scope) and is written to
the audit trail there (`RegistryService.view`, `merge_list`, `alerts`); this module adds, within the same read,
what a person needs beside it to decide: the record's merges and suspect linkages, its photo, the two records of a
merge side by side with their differences and the matcher's reasons.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, null, select

from suraksha.adapters.db import scope_filter
from suraksha.core.auth import ROLES_THAT_REVIEW_REGISTRY_AUDIT, Locus, Principal
from suraksha.core.errors import Forbidden, SurakshaError
from suraksha.registry import store
from suraksha.registry.audit import AuditFilters, AuditReport
from suraksha.registry.matching.linkage import compare
from suraksha.registry.reading import merges_of, registration_detail, shared_identities, summaries, suspect_links

if TYPE_CHECKING:
    from suraksha.registry.service import PurposeIn, RegistryService

MERGE_PAGE = 20  # merges reviewed per page
SHOWN_IMAGE_MAX = 5 * 2**20  # larger photos and print cards are listed, not shown in the page
IMAGE_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
               (b"GIF89a", "image/gif"))
# The facts set side by side in a merge review, in the order shown.
SIDE_FIELDS = ("name", "aliases", "father_name", "sex", "born", "place", "address", "addresses", "convictions",
               "marks", "identities", "risk_tier", "registered")


class RegistryScreens:
    def __init__(self, registry: RegistryService, engine: Engine) -> None:
        self._registry, self._engine = registry, engine

    def admit(self, p: Principal, action: str, asked: dict[str, Any]) -> None:
        """The role check of a screen before it asks for a purpose (a wrong role is refused and audited)."""
        self._registry.admit(p, action, asked, needs_purpose=False)

    # --- a record ------------------------------------------------------------------------------------------
    def record(self, p: Principal, registration_id: int, purpose: PurposeIn, purpose_text: str | None) -> dict:
        """One registration in full (checked and audited as a `view`), with its merges, the suspects linked to it
        and its photo and print cards as images the page can show."""
        detail = self._registry.view(p, registration_id, purpose, purpose_text)
        with self._engine.connect() as conn:
            detail["merges"] = merges_of(conn, registration_id)
            detail["linkages"] = suspect_links(conn, registration_id)
        for merge in detail["merges"]:
            other = merge["other"]
            merge["may_open"] = bool(other) and p.covers(Locus(state=other["state"]))
        detail["images"] = {f["sha256"]: self._image(f["sha256"]) for f in detail["files"]}
        return detail

    def _image(self, sha256: str) -> str | None:
        """A data: URL of a stored photo or print card the page can show (PNG, JPEG or GIF by its first bytes, not
        by what the uploader said), or None."""
        try:
            data = self._registry.files.get(sha256)
        except SurakshaError:
            return None
        kind = next((t for magic, t in IMAGE_TYPES if data.startswith(magic)), None)
        if kind is None or len(data) > SHOWN_IMAGE_MAX:
            return None
        return f"data:{kind};base64,{base64.b64encode(data).decode()}"

    # --- the merge review queue ------------------------------------------------------------------------------
    def merge_review(self, p: Principal, purpose: PurposeIn, purpose_text: str | None, status: str = "proposed",
                     after_id: int | None = None) -> dict:
        """A page of merges in the officer's scope (listed and audited as `merges`), each with both records in full
        side by side, what differs, and why the matcher links them."""
        found = self._registry.merge_list(p, purpose, purpose_text, status or None, MERGE_PAGE, after_id)
        ids = sorted({side["registration_id"] for m in found for side in (m["left"], m["right"]) if side})
        with self._engine.connect() as conn:
            details = {i: registration_detail(conn, i) for i in ids}
            records = {int(r.record_id): r for r in store.load_records(conn, ids)}
            shared = {m["id"]: shared_identities(conn, m["left"]["registration_id"], m["right"]["registration_id"])
                      for m in found if m["left"] and m["right"]}
        for m in found:
            if not (m["left"] and m["right"]):
                continue
            left, right = m["left"]["registration_id"], m["right"]["registration_id"]
            match = compare(records[left], records[right], model=self._registry.learned)
            m["reasons"] = [str(r) for r in match.reasons]
            m["score_now"] = round(match.score, 4)
            m["shared_identities"] = shared[m["id"]]
            m["sides"] = side_by_side(details[left] or {}, details[right] or {}, shared[m["id"]])
        return {"merges": found, "next_after": found[-1]["id"] if len(found) == MERGE_PAGE else None}

    # --- the alerts inbox ------------------------------------------------------------------------------------
    def alert_inbox(self, p: Principal, purpose: PurposeIn, purpose_text: str | None,
                    unread_only: bool = False) -> list[dict]:
        """The officer's movement alerts (read and audited as `alerts`), unread first, then newest first, with the
        registered person's name; `may_open` when the record is in the officer's scope."""
        found = self._registry.alerts(p, purpose, purpose_text, unread_only=unread_only)
        with self._engine.connect() as conn:
            names = summaries(conn, sorted({a["registration_id"] for a in found}))
        for a in found:
            person = names.get(a["registration_id"]) or {}
            a["name"], a["registered_by"] = person.get("name", ""), person.get("state", "")
            a["may_open"] = bool(person) and p.covers(Locus(state=person["state"]))
        return sorted(found, key=lambda a: (a["read"], -a["id"]))

    # --- oversight -------------------------------------------------------------------------------------------
    def overview(self, p: Principal, since: datetime) -> dict:
        """A supervisor's landing: the trail's state (chain and checkpoints), what happened since `since`, and how
        many merges and alerts wait (counts only: no registry data, nothing to audit)."""
        report = self.audit_report(p)
        m, a, reg = store.merges, store.alerts, store.registrations
        left, right = reg.alias("left_reg"), reg.alias("right_reg")
        with self._engine.connect() as conn:
            waiting = conn.execute(select(func.count()).select_from(m)
                                   .join(left, left.c.id == m.c.left_registration_id)
                                   .join(right, right.c.id == m.c.right_registration_id)
                                   .where(m.c.status == "proposed", _scoped(p, left.c.state),
                                          _scoped(p, right.c.state))).scalar_one()
            unread = conn.execute(select(func.count()).select_from(a).where(
                a.c.read_at.is_(None), _scoped(p, a.c.state))).scalar_one()
        return {"report": report, "activity": self._registry.audit.activity(since), "merges_waiting": waiting,
                "alerts_unread": unread}

    def audit_report(self, p: Principal) -> AuditReport:
        return self._registry.audit_report(p)

    def audit_review(self, p: Principal, filters: AuditFilters, before_seq: int | None = None,
                     after_seq: int | None = None, limit: int = 50) -> list[dict]:
        return self._registry.audit_entries(p, filters, limit, before_seq, after_seq)

    def registrations_named(self, p: Principal, text: str) -> frozenset[int]:
        """The registrations a supervisor's record filter names: a registration number, or a state's record id
        (every state's registration under that id)."""
        if p.role not in ROLES_THAT_REVIEW_REGISTRY_AUDIT:
            raise Forbidden(f"the {p.role.value} role may not review the registry's audit trail", code="forbidden_role")
        text = text.strip()
        if re.fullmatch(r"\d{1,9}", text):
            return frozenset({int(text)})
        reg = store.registrations
        with self._engine.connect() as conn:
            found = conn.execute(select(reg.c.id).where(func.upper(reg.c.record_id) == text.upper()[:64])).scalars()
            return frozenset(found)


def _scoped(p: Principal, state_column):
    return scope_filter(p, station_id=null(), city=null(), state=state_column)


def side_by_side(left: dict, right: dict, shared_identities: list[str]) -> list[dict]:
    """The facts of two registrations as rows (field, left, right, how they compare): `same`, `differs`, `missing`
    (on one side only) or `info` (which registration it is: always different), so that a reviewer's eye goes to
    what differs. Identity numbers are compared by their keyed hashes: the same kind of number on both sides but
    no shared number `differs`."""
    rows = []
    for name in SIDE_FIELDS:
        a, b = _fact(left, name), _fact(right, name)
        if not a and not b:
            continue
        if not a or not b:
            how = "missing"
        elif name == "registered":
            how = "info"
        elif name == "identities":
            how = "same" if shared_identities else "differs"
        else:
            how = "same" if _folded(a) == _folded(b) else "differs"
        rows.append({"field": name, "left": a, "right": b, "how": how})
    return rows


def _fact(d: dict, name: str) -> str:
    if not d:
        return ""
    if name == "born":
        if d.get("dob"):
            return d["dob"]
        return f"{d['age']} ({d['age_as_of']})" if d.get("age") is not None else ""
    if name == "place":
        return " ".join(x for x in (d.get("state"), d.get("district")) if x)
    if name == "addresses":
        return " → ".join(a["address"] for a in d.get("addresses", []) if a["address"])
    if name == "convictions":
        return "; ".join(" ".join(x for x in (c["act"], c["section"], c["conviction_date"] or "") if x)
                         for c in d.get("convictions", []))
    if name in ("aliases", "marks"):
        return "; ".join(d.get(name, []))
    if name == "identities":
        return ", ".join(d.get("identity_kinds", []))
    if name == "registered":
        return f"{d['state']} {d['record_id']}, {d['registered_on']}"
    value = d.get(name)
    return "" if value is None else str(value)


def _folded(text: str | None) -> str:
    return re.sub(r"[\s.,]+", " ", (text or "").casefold()).strip()

