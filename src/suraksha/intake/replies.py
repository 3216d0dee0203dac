"""What the person who asked for help is told, in plain words. Short: each is one SMS."""

from __future__ import annotations

from suraksha.stations.model import StationRef

IN_DANGER = "In danger now? Call 112."


def acknowledgement(tracking: str, station: StationRef | None, location_known: bool) -> str:
    who = f"{station.name} is handling it" if station else "The city control room is handling it"
    ask = "" if location_known else " Share your location (a maps link) if you can."
    return (f"Suraksha: your message is received. {who}. Tracking number {tracking}. "
            f"Police are being informed.{ask} {IN_DANGER}")


def follow_up(tracking: str, location_known: bool) -> str:
    got = " Location received." if location_known else ""
    return f"Suraksha: added to your report {tracking}.{got}"


def received_again(tracking: str) -> str:
    return f"Suraksha: your message is received. Tracking number {tracking}."


def unit_dispatched(tracking: str, call_sign: str) -> str:
    return f"Suraksha {tracking}: police unit {call_sign} has been dispatched to you."


def unit_arrived(tracking: str, call_sign: str) -> str:
    return f"Suraksha {tracking}: police unit {call_sign} has arrived."
