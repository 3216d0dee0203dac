"""A living city for the demo: helpline SMS and WhatsApp messages through the real signed webhooks, panic-button
alerts through the SOS API, 112 calls as a call-taker logs them, and units that move and respond.

Messages go over HTTP to the server's Twilio webhook, signed with the configured auth token, exactly as Twilio
would send them; one in four goes to the station's WhatsApp number instead, as Meta's Cloud API delivers it (JSON,
signed with the app secret), a shared location as a location message. Of every contact, one in ten is a safety
app's panic button (`POST /api/v1/sos` with the demo gateway's token; a device that presses again moves as she
moves) and one in seven a voice call, logged as the control room's call-taker would log it (its GPS fix, its cell
location, a locality she names, or no location yet). Unit movements stand in for the GPS devices
of the vans (an AVL feed) and go through the dispatch service. An incident nobody has dispatched within a minute is
dispatched by the simulator, as a colleague at another console would: a person at the console has a minute to act
first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import random
import threading
import time
from datetime import timedelta

import httpx
import shapely
from twilio.request_validator import RequestValidator

from suraksha.bootstrap import Container
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.demo.setup import HOME_STATION, SAFETY_APP, random_point_in
from suraksha.incidents.calls import Person
from suraksha.intake.channels.voice_call.parse import CallReport, people_of, to_contact
from suraksha.places import localities

log = logging.getLogger("suraksha.demo")
SYSTEM = Principal(0, "simulator", Role.DISPATCHER, ScopeKind.NATIONAL, "")
MESSAGES = (
    "Help, a man has been following me from the station for 20 minutes",
    "Mera pati mujhe maar raha hai, please jaldi aao",
    "मुझे बचाओ, कोई पीछा कर रहा है",
    "माझा नवरा मला मारहाण करत आहे, लवकर या",
    "Some boys are passing comments and touching girls near the bus stop",
    "My ex is blackmailing me with my photos, he is outside my building now",
    "A man is knocking on my door at night and shouting, I am alone",
    "Ek aadmi bus mein chhed raha hai, bus stop ke paas",
    "मदत करा, एक माणूस माझा पाठलाग करतोय",
    "Auto driver is not stopping and taking a different road, please help",
)
LOCATION_FORMS = ("geo:{lat:.6f},{lon:.6f}", "https://maps.google.com/?q={lat:.6f},{lon:.6f}",
                  "https://www.google.com/maps/@{lat:.6f},{lon:.6f},17z")
SPEED_MPS = 12.0  # demo time runs fast: vans cover ground quickly so that a viewer sees arrivals
AUTO_DISPATCH_AFTER = timedelta(seconds=60)
WHATSAPP = 0.25  # the share of messages written on WhatsApp
SOS = 0.10  # the share of contacts that are a panic button's alerts
CALLS = 0.15  # the share of contacts that are 112 calls
CALL_WORDS = (
    ("Caller says her husband is beating her, children crying in the background", "domestic_violence", 1),
    ("A girl is being followed by two men near the station, caller is her friend", "stalking_harassment", 2),
    ("Neighbour hears a woman screaming for help in the next flat", "immediate_danger", 1),
    ("Woman stuck in an auto that will not stop, line went silent", "immediate_danger", 1),
    ("She says a man exposed himself to her in the local train", "sexual_assault", 2),
)
NEAR_THE_DEMO_VOLUNTEER = 0.125  # a share of messages from Colaba's area, where the demo volunteer helps


class Simulator:
    def __init__(self, c: Container, base_url: str, seed: int = 11, sms_every_s: float = 12.0) -> None:
        self.c, self.base_url, self.rng = c, base_url, random.Random(seed)
        self.sms_every_s = sms_every_s
        self._validator = RequestValidator(c.settings.twilio_auth_token.get_secret_value())
        self._webhook = c.settings.public_url.rstrip("/") + "/webhooks/twilio/sms"
        self._senders: list[tuple[str, float, int]] = []
        self._on_scene_since: dict[int, float] = {}
        self._shapes = {f["id"]: shapely.geometry.shape(f["geometry"])
                        for f in c.stations.feature_collection()["features"]}
        self._silent = set()  # units whose GPS has stopped reporting: they turn stale
        self._crewed: set[int] = set()  # units a person crews (the demo responder): moved and reported by them
        self._devices: list[tuple[str, float, float]] = []  # recent panic buttons: (device id, lat, lon)
        self._sos_token: str | None = None
        self._stop = threading.Event()

    def start_when(self, ready) -> threading.Thread:
        def run() -> None:
            while not ready():
                time.sleep(0.1)
            self.loop()

        t = threading.Thread(target=run, name="demo-simulator", daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self._stop.set()

    def loop(self) -> None:
        units = self.c.dispatch.list_units()
        self._silent = {u["id"] for u in self.rng.sample(units, k=max(1, len(units) // 30))} if units else set()
        self._crewed = self.c.accounts.crewed_units()
        next_sms, tick = time.monotonic() + 2, 0
        with httpx.Client(base_url=self.base_url, timeout=10) as http:
            while not self._stop.wait(1.0):
                tick += 1
                try:
                    if time.monotonic() >= next_sms:
                        self.contact(http)
                        next_sms = time.monotonic() + self.rng.expovariate(1 / self.sms_every_s)
                    if tick % 3 == 0:
                        self.move_units(3.0)
                        self.auto_dispatch()
                except Exception:  # the demo goes on; the log says what went wrong
                    log.exception("simulator step failed")

    # messages -------------------------------------------------------------------------------------
    def contact(self, http: httpx.Client) -> None:
        """One contact, on the channels in their shares: a panic button, a call, else a message."""
        draw = self.rng.random()
        if draw < SOS and self.press_sos(http):
            return
        if draw < SOS + CALLS:
            self.log_call()
            return
        self.send_sms(http)

    def press_sos(self, http: httpx.Client) -> bool:
        """A safety app's alert; a device that pressed recently reports again a little further on (she moves)."""
        token = self._gateway_token()
        if token is None:
            return False
        if self._devices and self.rng.random() < 0.4:
            device, lat, lon = self.rng.choice(self._devices)
            lat, lon = lat + self.rng.uniform(-0.001, 0.001), lon + self.rng.uniform(-0.001, 0.001)
        else:
            station = self.rng.choice([s for s in self.c.stations.all() if s.city == "mumbai"] or self.c.stations.all())
            point = random_point_in(self._shapes[station.id], self.rng)
            device, lat, lon = f"demo-app-{self.rng.getrandbits(32):08x}", point.y, point.x
        self._devices = [*[d for d in self._devices[-10:] if d[0] != device], (device, lat, lon)]
        body = {"device_id": device, "lat": round(lat, 6), "lon": round(lon, 6),
                "accuracy_m": round(self.rng.uniform(5, 40), 1), "battery_pct": self.rng.randrange(5, 100),
                "at": self.c.clock.now().isoformat()}
        if self.rng.random() < 0.5:
            body["phone"] = f"+919{self.rng.randrange(10**8, 10**9 - 1)}"
        resp = http.post("/api/v1/sos", json=body, headers={"Authorization": f"Bearer {token}"})
        resp.raise_for_status()
        return True

    def _gateway_token(self) -> str | None:
        if self._sos_token is None:
            gateway = next((p for p in self.c.accounts.with_role(Role.INTEGRATION) if p.username == SAFETY_APP), None)
            if gateway is None:
                return None
            self._sos_token, _ = self.c.accounts.issue_token(gateway)
        return self._sos_token

    def log_call(self) -> str:
        """A 112 call as the control room's call-taker logs it (the telephony integration's side of the screen)."""
        station = self.rng.choice(self.c.stations.all())
        point = random_point_in(self._shapes[station.id], self.rng)
        words, category, priority = self.rng.choice(CALL_WORDS)
        source = self.rng.choices(("gps", "cell", "address", "none"), weights=(4, 3, 2, 1))[0]
        lat = lon = accuracy = text = None
        if source == "gps":
            lat, lon, accuracy = point.y, point.x, self.rng.uniform(8, 40)
        elif source == "cell":
            lat, lon, accuracy = point.y, point.x, self.rng.uniform(800, 3000)
        elif source == "address":
            places = localities.in_city(station.city)
            if places:
                where = self.rng.choice(places)
                lat, lon, accuracy, text = where.lat, where.lon, 1500.0, f"near {where.name} post office"
            else:
                source = "none"
        relation = self.rng.choice(("self", "self", "family", "neighbour", "passer_by"))
        report = CallReport(
            call_id=f"demo-{self.rng.getrandbits(64):016x}",
            caller_number=f"+919{self.rng.randrange(10**8, 10**9 - 1)}", language=self.rng.choice(("en", "hi", "mr")),
            answered_at=self.c.clock.now() - timedelta(seconds=self.rng.randrange(20, 90)),
            what_happened=words, category=category, priority=priority, location_source=source, lat=lat, lon=lon,
            accuracy_m=accuracy, location_text=text,
            caller=Person(role="caller", relation=relation),
            victim=None if relation == "self" else Person(role="victim", age=self.rng.randrange(16, 60)))
        ack = self.c.intake.log_call(to_contact(report), people_of(report), SYSTEM.username, source, text)
        return ack.tracking

    def send_sms(self, http: httpx.Client) -> str:
        stations = [s for s in self.c.stations.all() if s.women_helpline]
        station = self.rng.choice(stations)
        if self.rng.random() < NEAR_THE_DEMO_VOLUNTEER:  # so that the demo `volunteer` account sees alerts
            station = next((s for s in stations if s.name == HOME_STATION), station)
        follow_up = self._senders and self.rng.random() < 0.15
        if follow_up:  # she writes again, from where she is: the same station's area
            sender, _, station_id = self.rng.choice(self._senders)
            station = next((s for s in stations if s.id == station_id), station)
        else:
            sender = f"+919{self.rng.randrange(10**8, 10**9 - 1)}"
        body = self.rng.choice(MESSAGES) if not follow_up else "I am here"
        point = random_point_in(self._shapes[station.id], self.rng) if follow_up or self.rng.random() < 0.6 else None
        whatsapp_id = self.c.stations.whatsapp_of(station.id)
        if whatsapp_id and self.c.settings.whatsapp_app_secret.get_secret_value() and self.rng.random() < WHATSAPP:
            self._whatsapp(http, whatsapp_id, sender, body, point)
            self._senders = [*self._senders[-20:], (sender, time.monotonic(), station.id)]
            return ""
        if point is not None:
            body += " " + self.rng.choice(LOCATION_FORMS).format(lat=point.y, lon=point.x)
        to = station.women_helpline if self.rng.random() < 0.85 else station.general_number
        form = {"MessageSid": f"SM{self.rng.getrandbits(128):032x}", "AccountSid": self.c.settings.twilio_account_sid,
                "From": sender, "To": to, "Body": body, "NumMedia": "0", "FromCountry": "IN"}
        headers = {"X-Twilio-Signature": self._validator.compute_signature(self._webhook, form)}
        resp = http.post("/webhooks/twilio/sms", data=form, headers=headers)
        resp.raise_for_status()
        self._senders = [*self._senders[-20:], (sender, time.monotonic(), station.id)]
        return resp.text

    def _whatsapp(self, http: httpx.Client, phone_number_id: str, sender: str, body: str, point) -> None:
        """Her message as Meta's Cloud API delivers it; a location she shares comes as a message of its own."""
        def one(kind: str, content: dict) -> dict:
            return {"from": sender.removeprefix("+"), "id": f"wamid.DEMO{self.rng.getrandbits(96):024X}",
                    "timestamp": str(int(time.time())), "type": kind, kind: content}

        messages = [one("text", {"body": body})]
        if point is not None:
            messages.append(one("location", {"latitude": round(point.y, 6), "longitude": round(point.x, 6)}))
        doc = {"object": "whatsapp_business_account", "entry": [{"id": "demo-waba", "changes": [{"field": "messages",
               "value": {"messaging_product": "whatsapp",
                         "metadata": {"display_phone_number": "917000100000", "phone_number_id": phone_number_id},
                         "contacts": [{"profile": {"name": "demo"}, "wa_id": sender.removeprefix("+")}],
                         "messages": messages}}]}]}
        raw = json.dumps(doc).encode()
        secret = self.c.settings.whatsapp_app_secret.get_secret_value().encode()
        signature = "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()
        resp = http.post("/webhooks/whatsapp", content=raw,
                         headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
        resp.raise_for_status()

    # units ----------------------------------------------------------------------------------------
    def move_units(self, dt: float) -> None:
        targets = self._targets()
        moves = []
        for u in self.c.dispatch.list_units():
            if u["id"] in self._silent or u["id"] in self._crewed or u["lat"] is None:
                continue
            step = self._step(u, targets.get(u["id"]), dt)
            if step:
                moves.append({"unit_id": u["id"], "lon": step[0], "lat": step[1]})
        if moves:
            self.c.dispatch.post_positions(moves)

    def _step(self, u: dict, target, dt: float):
        status, now = u["status"], time.monotonic()
        if status == "dispatched":
            self.c.dispatch.set_status(u["id"], "en_route")
        if status in ("dispatched", "en_route") and target:
            return self._towards(u, target, dt)
        if status == "on_scene":
            since = self._on_scene_since.setdefault(u["id"], now)
            if now - since > self.rng.uniform(40, 90):
                self._on_scene_since.pop(u["id"], None)
                self.c.dispatch.set_status(u["id"], "available")
            return None
        if status == "available":
            home = self._shapes.get(u["home_station_id"])
            lon = u["lon"] + self.rng.uniform(-0.0008, 0.0008)
            lat = u["lat"] + self.rng.uniform(-0.0008, 0.0008)
            return (lon, lat) if home is None or home.contains(shapely.Point(lon, lat)) else None
        return None

    def _towards(self, u: dict, target: tuple[float, float], dt: float):
        dx = (target[0] - u["lon"]) * 111_320 * math.cos(math.radians(u["lat"]))
        dy = (target[1] - u["lat"]) * 110_574
        dist = math.hypot(dx, dy)
        if dist < 80:
            self.c.dispatch.set_status(u["id"], "on_scene")
            return target
        f = min(1.0, SPEED_MPS * dt / dist)
        return u["lon"] + (target[0] - u["lon"]) * f, u["lat"] + (target[1] - u["lat"]) * f

    def _targets(self) -> dict[int, tuple[float, float]]:
        out = {}
        for i in self.c.incidents.list_open(SYSTEM):
            if i["status"] == "new" or not i["location"]:
                continue
            for a in self.c.dispatch.timeline(i["tracking"]):
                if not a.get("cleared_at"):
                    out[a["unit_id"]] = tuple(i["location"]["coordinates"])
        return out

    def auto_dispatch(self) -> None:
        now = self.c.clock.now()
        for i in self.c.incidents.list_open(SYSTEM):
            if i["status"] != "new" or now - _parse(i["received_at"]) < AUTO_DISPATCH_AFTER:
                continue
            recs = self.c.dispatch.recommend(i["tracking"], 1)
            if recs:
                self.c.dispatch.assign(i["tracking"], recs[0]["unit_id"])


def _parse(iso: str):
    from datetime import datetime

    return datetime.fromisoformat(iso)
