"""The demo's case side: synthetic FIRs of the last five months at Mumbai's stations, each lived through the
product's own use cases on a clock moved day by day, so that the investigating officer's list, the case pages,
the forensic and court sections, her messages and the dashboards have something true to show.

Everything here is made up: survivors are "Demo survivor NN" with numbers +91 70004 NNNNN, accused "Demo accused
NN". Colaba's cases (the demo `officer`'s station) are given to `officer` as IO; the others have none yet.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from rich.console import Console

from suraksha.bootstrap import Container, build_container
from suraksha.cases.forensics.model import Step as SampleStep
from suraksha.cases.model import Accused, CaseKind, Fir, Victim
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.clock import FixedClock

console = Console()
DEMO_CASES = 60
HOME_SHARE = 0.5  # of the cases, at the demo officer's station
SECTIONS = (("BNS 64",), ("BNS 64", "BNS 351"), ("BNS 74",), ("BNS 75",), ("POCSO 4",), ("POCSO 8",),
            ("BNS 78",), ("BNS 70(1)",), ("POCSO 12",), ("BNS 76",))
PLACES = ("Lane behind the bus depot", "Near the railway foot over-bridge", "Her workplace", "A parked car",
          "The building's terrace", "On the way back from tuition", "A shared room in a chawl")
LABS = ("MH-FSL-MUM", "MH-FSL-MUM", "MH-RFSL-PUN", "CFSL-HYD")
SAMPLES = (("swab", "swab sealed at the hospital"), ("clothing", "clothes worn that night"),
           ("dna", "reference blood sample of the accused"), ("digital_device", "the accused's phone"))
DELAYS = ("forensic_report_awaited", "medical_report_awaited", "accused_absconding", "witness_unavailable")


def seed_cases(c: Container, city: str = "mumbai", home_station: str = "Colaba Police Station", seed: int = 17,
               n: int = DEMO_CASES) -> None:
    """Register and live through `n` synthetic cases (once: a database that has cases is left alone)."""
    national = Principal(0, "demo", Role.ADMIN, ScopeKind.NATIONAL, "")
    if c.cases.list_cases(national, status="all", limit=1):
        return
    rng = random.Random(seed)
    real_now = c.clock.now()
    stations = sorted(c.stations.all(city), key=lambda s: s.id)
    home = next(s for s in stations if s.name == home_station)
    officer = next((p for p in c.accounts.with_role(Role.STATION_OFFICER) if p.username == "officer"), None)
    city_officer = Principal(0, "demo", Role.STATION_OFFICER, ScopeKind.CITY, city)
    clock = FixedClock(real_now - timedelta(days=150))
    past = build_container(c.settings, clock=clock)  # the same database, on a clock the seeding moves
    try:
        past.stations.reload()
        plans = sorted((rng.uniform(3, 150), i) for i in range(n))  # days ago each was registered, oldest first
        lived = [_Case(rng, i, days_ago, home if rng.random() < HOME_SHARE else rng.choice(stations))
                 for days_ago, i in sorted(plans, reverse=True)]
        for case in lived:
            clock._now = real_now - timedelta(days=case.days_ago)
            who = officer if officer is not None and case.station.id == home.id else city_officer
            case.number = past.cases.register(who, case.fir(clock.now(), who is officer))["fir_number"]
            case.who = who
        # then each day of the five months, every case takes the steps planned for it that day
        for day in range(150, -1, -1):
            clock._now = real_now - timedelta(days=day, hours=-2)
            for case in lived:
                if case.number:
                    case.step(past, case.days_ago - day)
            past.cases.fire_due(10_000)
            past.cases.updates.fire_due(10_000)
            while past.messages.deliver_due(500):  # her messages leave the day they were written
                pass
    finally:
        past.engine.dispose()
    console.print(f"cases: {n} synthetic FIRs of the last five months, with their samples, courts and messages")


class _Case:
    """One synthetic case and what happens to it, decided up front from the seeded random numbers."""

    def __init__(self, rng: random.Random, i: int, days_ago: float, station) -> None:
        self.rng, self.i, self.days_ago, self.station = rng, i, int(days_ago), station
        self.sections = rng.choice(SECTIONS)
        self.number: str | None = None
        self.who: Principal | None = None
        self.sample_day = rng.randint(1, 6)
        self.result_after = rng.choice((12, 20, 35, 55, None))  # None: the result never came (overdue)
        self.report_day = rng.choice((25, 40, 52, 58, 70, None))  # None: still under investigation
        self.closure = rng.random() < 0.1
        self.delay_day = rng.choice((40, 50, None))
        self.arrest_day = rng.choice((1, 2, 5, None))
        self.hearings = rng.randint(0, 5)
        self.outcome = rng.choice(("conviction", "acquittal", None, None))
        self.sample_id: int | None = None

    def fir(self, now: datetime, with_io: bool) -> Fir:
        rng, n = self.rng, self.i + 1
        minor = any(s.startswith("POCSO") for s in self.sections)
        return Fir(
            station_id=self.station.id, sections=self.sections,
            occurred_at=now - timedelta(days=rng.uniform(0.1, 2)),
            place=rng.choice(PLACES),
            victim=Victim(f"Demo survivor {n:02d}", f"+9170004{n:05d}", f"{rng.randint(1, 90)} Demo Nagar",
                          rng.randint(12, 17) if minor else rng.randint(18, 45), rng.choice(("mr", "hi", "en"))),
            accused=(Accused(True, f"Demo accused {n:02d}", rng.randint(19, 50), "male", "known to her"),),
            woman_officer="PSI Demo Officer", kind=CaseKind.WALK_IN,
            summary="Demo data: a synthetic complaint, for the demo's pages and figures.",
            io_username="officer" if with_io else None)

    def step(self, c: Container, age: int) -> None:
        """What this case does when it is `age` days old (each step at most once)."""
        assert self.number and self.who is not None
        who, number, f = self.who, self.number, c.cases.forensics
        if age == self.arrest_day:
            c.cases.updates.arrests.record_arrest(who, number, 0, c.clock.now() - timedelta(hours=3), "Demo Nagar")
        if age == self.sample_day:
            kind, said = self.rng.choice(SAMPLES)
            self.sample_id = f.request(who, number, self.rng.choice(LABS), kind, said)["id"]
            f.record_step(who, number, self.sample_id, SampleStep.SENT, None)
        if self.sample_id and self.result_after and age == self.sample_day + self.result_after:
            f.record_step(who, number, self.sample_id, SampleStep.RECEIVED, None)
            f.record_step(who, number, self.sample_id, SampleStep.RESULT, None, "examined: report attached", True)
        if age == self.delay_day and (self.report_day is None or self.report_day > age):
            c.cases.record_delay(who, number, self.rng.choice(DELAYS), "demo data: waiting for a report")
        if age == self.report_day:
            missing = None if (self.result_after and self.result_after + self.sample_day < age) else \
                "filed; the laboratory's report will follow as a supplementary charge-sheet"
            report = "closure_report" if self.closure else "charge_sheet"
            c.cases.file_report(who, number, report, f"{'FR' if self.closure else 'CS'} {self.i + 1}/2026",
                                forensic_reason=missing if report == "charge_sheet" else None)
            if not self.closure:
                court = "MH-MUM-DIN-POCSO-11" if any(s.startswith("POCSO") for s in self.sections) \
                    else "MH-MUM-CCSC-FTSC"
                c.cases.courts.allocate(who, number, court)
        if self.report_day and not self.closure and age > self.report_day:
            self._court(c, age - self.report_day)

    def _court(self, c: Container, since: int) -> None:
        """A hearing every 14 days after the charge-sheet; most adjourned; then perhaps the judgment."""
        assert self.number and self.who is not None
        courts, who, number = c.cases.courts, self.who, self.number
        k, rest = divmod(since, 14)
        if k >= self.hearings:
            if self.outcome and k == self.hearings and rest == 2:
                courts.dispose(who, number, self.outcome, None, f"Spl. {self.i + 1}/2026")
            return
        today = c.clock.now().date()
        if rest == 1:
            courts.schedule(who, number, today + timedelta(days=7))
        elif rest == 8:
            hearing = courts.section(who, number)["hearings"][-1]
            adjourned = self.rng.random() < 0.7
            courts.record_outcome(who, number, hearing["id"], "adjourned" if adjourned else "evidence_recorded",
                                  "the defence sought time" if adjourned else "a witness examined")
