"""Noise without losing the real ones: the rules, plain (docs/adr/0009).

Most contacts to a 112 control room are not emergencies (Delhi: 96% of dialled calls; Mumbai: about 1,500 genuine
of 1 lakh a day). A contact is *noise* when a person marks it so (blank, silent, abusive, prank, test) or when the
one automatic rule does (blank). A noise incident is never deleted: it leaves the dispatch queue, the unassigned
alarm and the recommendations, stays searchable with its timeline (who marked it, and why), and a person may mark
it genuine again.

The automatic rule (`is_blank`) only ever marks a text message whose body is empty or white space, with no
location and no media, on a channel where that is possible (SMS, WhatsApp). It never marks a panic button, a call,
a web report, or anything with an emergency word, a location or an attachment.

Two flags help the call-taker without hiding anything:

- `callback_after_blank`: the number had a blank or silent contact in the last `CALLBACK_WINDOW`. It may be a
  woman who could not speak the first time: her new incident is shown first in the queue.
- `repeat_noise`: the number had at least `REPEAT_NOISE_COUNT` non-genuine incidents (any kind but `test`) in the
  last `REPEAT_NOISE_WINDOW`. Its new incident is still in the queue, flagged: the call-taker decides.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from suraksha.core.errors import Conflict, InvalidInput


class NoiseKind(StrEnum):
    BLANK = "blank"  # a message with nothing in it, or a call with nobody there
    SILENT = "silent"  # a call (or a chat) with someone there who says nothing
    ABUSIVE = "abusive"
    PRANK = "prank"
    TEST = "test"  # a device's or an operator's test


NOISE_KINDS = tuple(k.value for k in NoiseKind)
# A woman who could not speak may try again: a blank or silent contact makes her next contact come first.
CALLBACK_KINDS = frozenset({NoiseKind.BLANK.value, NoiseKind.SILENT.value})
# What counts toward `repeat_noise`: every kind a person or the rule marked, except a test.
REPEAT_KINDS = frozenset(NOISE_KINDS) - {NoiseKind.TEST.value}
CALLBACK_WINDOW = timedelta(hours=6)
REPEAT_NOISE_WINDOW = timedelta(days=7)
REPEAT_NOISE_COUNT = 2
# Channels where a blank body means nothing was written; a panic button or a call is never blank by rule.
BLANK_RULE_CHANNELS = frozenset({"sms", "whatsapp"})
RULES_ACTOR = "rules"  # `by` of an automatic mark on the timeline (its actor is None, as for triage)
FLAGS = ("callback_after_blank", "repeat_noise")


def is_blank_text(text: str) -> bool:
    """Nothing but white space or invisible format characters (zero-width spaces, joiners)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text or "")


def is_blank(channel: str, blank_text: bool, has_location: bool, num_media: int, keywords: tuple[str, ...]) -> bool:
    """The automatic rule: marked `blank` only when every condition holds (and never a panic button)."""
    return (channel in BLANK_RULE_CHANNELS and blank_text and not has_location and num_media == 0
            and not keywords)


@dataclass(frozen=True)
class NumberHistory:
    """What the store knows of a number's noise when a contact arrives."""

    noise: int = 0  # its non-genuine incidents (REPEAT_KINDS) within REPEAT_NOISE_WINDOW
    blank_recently: int = 0  # its blank or silent incidents within CALLBACK_WINDOW

    def add(self, kind: str) -> NumberHistory:
        """The same after one more noise incident of this kind, just now (a contact earlier in the same batch)."""
        return NumberHistory(self.noise + (kind in REPEAT_KINDS), self.blank_recently + (kind in CALLBACK_KINDS))

    @property
    def callback_after_blank(self) -> bool:
        return self.blank_recently > 0

    @property
    def repeat_noise(self) -> bool:
        return self.noise >= REPEAT_NOISE_COUNT


def check_kind(kind: str) -> str:
    if kind not in NOISE_KINDS:
        raise InvalidInput(f"unknown noise kind {kind!r}", code="unknown_noise_kind", kinds=list(NOISE_KINDS))
    return kind


def check_may_mark(current: str | None, kind: str, status: str, tracking: str) -> None:
    """A person may mark an incident noise (or change its kind) unless a unit is on its way or there."""
    if current == kind:
        raise Conflict(f"incident {tracking} is already marked {kind}", code="already_noise")
    if status in ("dispatched", "en_route", "on_scene"):
        raise Conflict(f"a unit is on incident {tracking}: close it (false alarm) instead",
                       code="units_on_incident")


def check_is_noise(current: str | None, tracking: str) -> None:
    if current is None:
        raise Conflict(f"incident {tracking} is not marked as noise", code="not_noise")


def flags(callback_after_blank: bool, repeat_noise: bool) -> list[str]:
    return [name for name, on in zip(FLAGS, (callback_after_blank, repeat_noise)) if on]
