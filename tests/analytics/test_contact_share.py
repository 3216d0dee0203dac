"""The supervisor's share of contacts that became (genuine) incidents, per channel and per hour of the city's
clock (issue 9, point 7; docs/adr/0009), on known data through the real HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime

from suraksha.analytics import model
from suraksha.core.auth import Role, ScopeKind
from tests.conftest import add_account, tracking_of
from tests.whatsapp_meta import WhatsAppSender, message


def share(http, auth, who="dispatcher", **params):
    return http.get("/api/v1/analytics/contact-share", headers=auth(who), params=params)


def test_the_share_per_channel_and_hour_on_known_data(container, http, auth, sms):
    clock = container.clock  # 10:00 in Mumbai
    tracking_of(sms.send("he is following me", sender="+919820000101").text)
    clock.advance(minutes=5)
    prank = tracking_of(sms.send("ha ha", sender="+919820000102").text)
    http.post(f"/api/v1/incidents/{prank}/noise", headers=auth("dispatcher"), json={"kind": "prank"})
    clock.advance(minutes=5)
    sms.send("  ", sender="+919820000103")  # the blank rule
    clock.advance(minutes=10)
    sms.send("please hurry", sender="+919820000101")  # joins her incident: a second genuine contact
    clock.advance(minutes=55)  # 11:15
    wa = WhatsAppSender(http)
    wa.send(message("text", sender="919820000104", body="help me"))
    clock.advance(minutes=5)
    wa.send(message("text", sender="919820000105", body=" "))
    clock.advance(minutes=10)  # 11:30

    r = share(http, auth, hours=3)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["zone"], body["since"], body["until"]) == (
        "Asia/Kolkata", "2026-11-22T09:00:00+05:30", "2026-11-22T12:00:00+05:30")
    assert body["channels"] == ["sms", "whatsapp"]
    assert body["total"] == {"contacts": 6, "genuine": 3, "share": 0.5}
    assert body["by_channel"] == [{"channel": "sms", "contacts": 4, "genuine": 2, "share": 0.5},
                                  {"channel": "whatsapp", "contacts": 2, "genuine": 1, "share": 0.5}]
    nine, ten, eleven = body["hours"]
    assert (nine["start"], nine["contacts"], nine["share"], nine["by_channel"]) == (
        "2026-11-22T09:00:00+05:30", 0, None, [])
    assert ten["by_channel"] == [{"channel": "sms", "contacts": 4, "genuine": 2, "share": 0.5}]
    assert eleven["by_channel"] == [{"channel": "whatsapp", "contacts": 2, "genuine": 1, "share": 0.5}]
    assert share(http, auth, hours=1).json()["total"] == {"contacts": 2, "genuine": 1, "share": 0.5}

    http.post(f"/api/v1/incidents/{prank}/genuine", headers=auth("dispatcher"), json={"reason": "she was scared"})
    assert share(http, auth, hours=3).json()["total"]["genuine"] == 4  # counted from the marks as they are now


def test_the_share_is_the_viewers_area_and_roles(container, http, auth, sms):
    sms.send("he is following me")
    bandra = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    add_account(container, "bandra_officer", Role.STATION_OFFICER, ScopeKind.STATION, str(bandra.id))
    assert share(http, auth, "officer").json()["total"]["contacts"] == 1
    assert share(http, auth, "bandra_officer").json()["total"] == {"contacts": 0, "genuine": 0, "share": None}
    assert share(http, auth, "outsider").json()["total"]["contacts"] == 0  # Bengaluru's control room
    assert share(http, auth, "responder").status_code == 403
    assert share(http, auth, hours=0).status_code == 422
    assert share(http, auth, hours=169).status_code == 422


def test_hours_follow_the_citys_clock_not_utc():
    now = datetime(2026, 11, 22, 5, 50, tzinfo=UTC)  # 11:20 in Mumbai: an hour starts at :30 past in UTC
    start, end = model.share_hours(now, "Asia/Kolkata", 2)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-22T10:00:00+05:30", "2026-11-22T12:00:00+05:30")
    at = lambda h, m: datetime(2026, 11, 22, h, m, tzinfo=UTC)  # noqa: E731
    counted = model.contact_share([("sms", at(4, 29), True), ("sms", at(4, 30), False), ("sms", at(5, 29), True),
                                   ("call", at(5, 30), False), ("sms", at(6, 30), True)], start, 2)
    assert [{ch: (c.contacts, c.genuine) for ch, c in hour.items()} for hour in counted.hours] == [
        {"sms": (2, 1)}, {"call": (1, 0)}]
    assert (counted.total.contacts, counted.total.genuine, counted.total.share) == (3, 1, 1 / 3)
