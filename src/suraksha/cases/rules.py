"""The case side's maintained data: the table of offence sections (which are sexual offences, which need a woman
officer, which clock applies, which are registrable) and the clock rules (an offence class's days, its alert points
and whom each alerts). A change in the law is a change here: administrators set a rule (`PUT
/api/v1/deadline-rules/{offence_class}`) and load a new offence table (`suraksha cases offences FILE.csv`); FIRs put
on record afterwards follow the new data, those before keep the deadline they were given."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.cases.model import AlertPoint, CaseProblem, ClockRule, OffenceSection, check_rule
from suraksha.cases.store import clock_rules, offence_sections
from suraksha.core.auth import ROLES_THAT_MANAGE_STATIONS, Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Forbidden, InvalidInput, NotFound


def _section(r: Any) -> OffenceSection:
    return OffenceSection(r.code, r.act, r.section, r.title, r.sexual_offence, r.woman_officer_required,
                          r.clock_class, r.registrable)


def _rule(r: Any) -> ClockRule:
    return ClockRule(r.offence_class, r.days,
                     tuple(AlertPoint(p["point"], p.get("after_days"), tuple(p["notify"])) for p in r.points), r.title)


def rule_dict(r: Any) -> dict:
    return {"offence_class": r.offence_class, "title": r.title, "days": r.days,
            "points": [{"point": p["point"], "after_days": p.get("after_days"), "notify": list(p["notify"])}
                       for p in r.points],
            "source": r.source, "updated_by": r.updated_by, "updated_at": r.updated_at.isoformat()}


class RuleBook:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine, self._clock = engine, clock

    def section_table(self, conn: Connection | None = None, active_only: bool = True) -> dict[str, OffenceSection]:
        q = select(offence_sections)
        if active_only:
            q = q.where(offence_sections.c.active.is_(True))
        if conn is None:
            with self._engine.connect() as own:
                return {r.code: _section(r) for r in own.execute(q)}
        return {r.code: _section(r) for r in conn.execute(q)}

    def sections(self) -> list[dict]:
        """The whole table (retired rows too, marked), acts and sections in order."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(offence_sections)).all()
        rows = sorted(rows, key=lambda r: (r.act, int("".join(c for c in r.section if c.isdigit()) or 0), r.section))
        return [{"code": r.code, "act": r.act, "section": r.section, "title": r.title,
                 "sexual_offence": r.sexual_offence, "woman_officer_required": r.woman_officer_required,
                 "clock_class": r.clock_class, "registrable": r.registrable, "source": r.source, "active": r.active}
                for r in rows]

    def rule_for(self, clock_class: str | None, conn: Connection | None = None) -> ClockRule | None:
        if not clock_class:
            return None
        q = select(clock_rules).where(clock_rules.c.offence_class == clock_class)
        if conn is None:
            with self._engine.connect() as own:
                row = own.execute(q).first()
        else:
            row = conn.execute(q).first()
        return _rule(row) if row else None

    def all_rules(self) -> list[dict]:
        with self._engine.connect() as conn:
            return [rule_dict(r) for r in conn.execute(select(clock_rules).order_by(clock_rules.c.offence_class))]

    def set_rule(self, principal: Principal, offence_class: str, days: int, points: list[dict], title: str = "",
                 source: str = "") -> dict:
        """An administrator sets an offence class's deadline and alert points (recorded with who and when)."""
        if principal.role not in ROLES_THAT_MANAGE_STATIONS:
            raise Forbidden(f"the {principal.role.value} role may not change the clock rules", code="forbidden_role")
        try:
            rule = check_rule(ClockRule(offence_class, days, tuple(
                AlertPoint(p["point"], p.get("after_days"), tuple(p.get("notify") or ())) for p in points), title))
        except CaseProblem as err:
            raise InvalidInput(str(err), code=err.code) from None
        now = self._clock.now()
        values = {"title": " ".join(title.split())[:200], "days": rule.days, "source": " ".join(source.split())[:600],
                  "points": [{"point": p.point, "after_days": p.after_days, "notify": list(p.notify)}
                             for p in rule.points], "updated_by": principal.username, "updated_at": now}
        with self._engine.begin() as conn:
            exists = conn.execute(select(clock_rules.c.offence_class)
                                  .where(clock_rules.c.offence_class == rule.offence_class)).first()
            if exists:
                conn.execute(update(clock_rules).where(clock_rules.c.offence_class == rule.offence_class)
                             .values(**values))
            else:
                conn.execute(insert(clock_rules).values(offence_class=rule.offence_class, **values))
            row = conn.execute(select(clock_rules).where(clock_rules.c.offence_class == rule.offence_class)).one()
        return rule_dict(row)

    def rule(self, offence_class: str) -> dict:
        with self._engine.connect() as conn:
            row = conn.execute(select(clock_rules).where(clock_rules.c.offence_class == offence_class)).first()
        if row is None:
            raise NotFound(f"no clock rule {offence_class[:32]!r}", code="deadline_rule_not_found")
        return rule_dict(row)

    def load_sections(self, rows: list[tuple[OffenceSection, str]], actor: str) -> dict[str, int]:
        """Make the offence table what `rows` say: new sections added, changed ones updated, those no longer listed
        retired (kept, inactive: FIRs that name them still read)."""
        now = self._clock.now()
        counts = {"added": 0, "updated": 0, "retired": 0, "unchanged": 0}
        with self._engine.begin() as conn:
            have = {r.code: r for r in conn.execute(select(offence_sections))}
            for s, source in rows:
                values = {"act": s.act, "section": s.section, "title": s.title, "sexual_offence": s.sexual_offence,
                          "woman_officer_required": s.woman_officer_required, "clock_class": s.clock_class,
                          "registrable": s.registrable, "source": source, "active": True}
                old = have.get(s.code)
                if old is None:
                    conn.execute(insert(offence_sections).values(code=s.code, updated_by=actor, updated_at=now,
                                                                 **values))
                    counts["added"] += 1
                elif any(getattr(old, k) != v for k, v in values.items()):
                    conn.execute(update(offence_sections).where(offence_sections.c.code == s.code)
                                 .values(updated_by=actor, updated_at=now, **values))
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            listed = {s.code for s, _ in rows}
            for code, old in have.items():
                if code not in listed and old.active:
                    conn.execute(update(offence_sections).where(offence_sections.c.code == code)
                                 .values(active=False, updated_by=actor, updated_at=now))
                    counts["retired"] += 1
        return counts
