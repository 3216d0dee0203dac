"""What the person who asked for help is told, in plain words. Short: each is one SMS."""

from __future__ import annotations

IN_DANGER = "In danger now? Call 112."


def acknowledgement(tracking: str, station_name: str | None, location_known: bool) -> str:
    who = f"{station_name} is handling it" if station_name else "The city control room is handling it"
    ask = "" if location_known else " Share your location (a maps link) if you can."
    return (f"Suraksha: your message is received. {who}. Tracking number {tracking}. "
            f"Police are being informed.{ask} {IN_DANGER}")


def follow_up(tracking: str, location_received: bool) -> str:
    got = " Location received." if location_received else ""
    return f"Suraksha: added to your report {tracking}.{got}"


def reopened(tracking: str) -> str:
    return f"Suraksha: your report {tracking} is open again. Police are being informed. {IN_DANGER}"


def received_again(tracking: str) -> str:
    return f"Suraksha: your message is received. Tracking number {tracking}."


def unit_dispatched(tracking: str, call_sign: str) -> str:
    return f"Suraksha {tracking}: police unit {call_sign} has been dispatched to you."


def unit_arrived(tracking: str, call_sign: str) -> str:
    return f"Suraksha {tracking}: police unit {call_sign} has arrived."


def transferred(tracking: str, station_name: str) -> str:
    return f"Suraksha {tracking}: your report is now handled by {station_name}. You need not do anything."


def closed(tracking: str, outcome: str, local_time: str) -> str:
    return (f"Suraksha {tracking}: closed at {local_time}. {outcome} "
            f"Reply within 24 hours to reopen it. {IN_DANGER}")
