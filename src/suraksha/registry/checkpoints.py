"""Signed checkpoints of the audit chain's head, kept apart from the database.

The hash chain (`audit.py`) shows an entry that was changed, removed or reordered: every later link breaks. It cannot
show that the newest entries were deleted, since what is left is still a valid chain. So, once per period while the
trail grows, the head is written down elsewhere: a checkpoint is (sequence number, hash, time) of the newest entry,
signed with HMAC-SHA256 under a key of its own and appended as one JSON line to a file outside the database.
`suraksha registry verify-audit` then checks that every checkpoint's entry is still there with the same hash: a
deletion of the newest entries (back past a checkpoint) or a rewritten trail is found, and so is a checkpoint line
that was altered (its signature no longer matches) or removed from the middle of the file.

Entries written after the newest checkpoint are covered by the next one: the window in which the newest entries can
be deleted unseen is one period (`SURAKSHA_AUDIT_CHECKPOINT_MINUTES`).

Plain Python and the file system: no database here (`audit.AuditTrail` claims and records each checkpoint).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from suraksha.registry.rules import canonical_json

KEY_LABEL = b"suraksha-registry-audit-checkpoint:"
MAX_FINDINGS = 20  # problems listed one by one; more are counted


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at a moment: entry `seq` had hash `hash`; `at` is its time, `slot` the period it closes."""

    seq: int
    hash: str
    at: str
    slot: str

    def body(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """Something verify-audit reports: a stable `code` and a sentence for the operator."""

    code: str
    message: str


@dataclass
class CheckpointReport:
    """What the checkpoints say about the trail: problems mean it was tampered with; warnings need a look."""

    enabled: bool
    verified: int = 0
    newest: Checkpoint | None = None
    since_newest: int = 0  # entries written after the newest checkpoint (covered by the next one)
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "verified": self.verified,
                "newest_seq": self.newest.seq if self.newest else None,
                "newest_at": self.newest.at if self.newest else None, "since_newest": self.since_newest,
                "problems": [asdict(f) for f in self.problems], "warnings": [asdict(f) for f in self.warnings]}


def derive_key(configured: str, secret_key: str) -> bytes:
    """The signing key: the configured checkpoint key, else one derived from the secret key (used for nothing else)."""
    if configured:
        return configured.encode()
    return hashlib.sha256(KEY_LABEL + secret_key.encode()).digest()


def sign(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, canonical_json(body).encode(), hashlib.sha256).hexdigest()


def due_slot(now: datetime, minutes: int) -> datetime:
    """The start of the period `now` falls in (periods of `minutes` counted from midnight UTC, 1 January 1970)."""
    seconds = minutes * 60
    epoch = int(now.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


class AuditCheckpoints:
    """Where the checkpoints are kept (an append-only JSON-lines file), their key, and how often one is due."""

    def __init__(self, path: str, key: str, secret_key: str, minutes: int = 5) -> None:
        self.path = Path(path) if path else None
        self.minutes = minutes
        self._key = derive_key(key, secret_key)

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def slot(self, now: datetime) -> datetime:
        return due_slot(now, self.minutes)

    def line(self, checkpoint: Checkpoint) -> str:
        body = checkpoint.body()
        return json.dumps(body | {"sig": sign(self._key, body)}, sort_keys=True, separators=(",", ":"))

    def append(self, checkpoint: Checkpoint) -> None:
        """One line, appended in a single write (O_APPEND: processes never interleave) and flushed to disk."""
        assert self.path is not None, "checkpoints are off (SURAKSHA_AUDIT_CHECKPOINT_PATH is empty)"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (self.line(checkpoint) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> tuple[list[Checkpoint], list[Finding]]:
        """The checkpoints whose signature holds, in file order, and a problem for every line that does not."""
        if self.path is None or not self.path.exists():
            return [], []
        good, problems = [], []
        with self.path.open(encoding="utf-8", errors="replace") as f:
            for number, text in enumerate(f, start=1):
                if not text.strip():
                    continue
                checkpoint = self._parse(text)
                if checkpoint is None:
                    problems.append(Finding("checkpoint_signature_bad",
                                            f"line {number} of the checkpoint file {self.path} is not a checkpoint "
                                            "signed with the checkpoint key: the file was altered"))
                else:
                    good.append(checkpoint)
        return good, problems

    def _parse(self, text: str) -> Checkpoint | None:
        try:
            data = json.loads(text)
            checkpoint = Checkpoint(int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["slot"]))
            signature = str(data["sig"])
        except (ValueError, KeyError, TypeError):
            return None
        if not hmac.compare_digest(signature, sign(self._key, checkpoint.body())):
            return None
        return checkpoint

    def check(self, heads: dict[int, tuple[str, datetime]], recorded: list[int], now: datetime,
              read: tuple[list[Checkpoint], list[Finding]] | None = None) -> CheckpointReport:
        """Compare the file (`read`, else read now) with the trail: `heads` is seq -> (hash, time) of the entries
        the file names, every entry after its newest checkpoint and the last entry; `recorded` the seqs of the
        entries that record a checkpoint being taken."""
        report = CheckpointReport(self.enabled)
        if not self.enabled:
            report.warnings.append(Finding("checkpoints_off", "no signed checkpoints are kept "
                                           "(SURAKSHA_AUDIT_CHECKPOINT_PATH is empty): a deletion of the newest "
                                           "entries cannot be detected"))
            return report
        checkpoints, problems = read if read is not None else self.read()
        report.problems = list(problems)
        last = max(heads, default=0)
        previous: Checkpoint | None = None
        for cp in checkpoints:
            if previous is not None and (cp.seq < previous.seq or cp.slot <= previous.slot):
                report.problems.append(Finding("checkpoint_out_of_order", f"the checkpoint of entry {cp.seq} ({cp.at}) "
                                               "comes after a later one: the file was reordered"))
            previous = cp
            problem = _against_trail(cp, heads, last)
            if problem is None:
                report.verified += 1
            else:
                report.problems.append(problem)
        report.newest = max(checkpoints, key=lambda c: c.seq, default=None)
        report.problems += _lines_removed(checkpoints, recorded)
        report.warnings += self._behind(report, checkpoints, heads, recorded, now)
        if len(report.problems) > MAX_FINDINGS:
            more = len(report.problems) - MAX_FINDINGS
            report.problems = report.problems[:MAX_FINDINGS] + [Finding("more_problems", f"and {more} more")]
        return report

    def _behind(self, report: CheckpointReport, checkpoints: list[Checkpoint], heads: dict[int, tuple[str, datetime]],
                recorded: list[int], now: datetime) -> list[Finding]:
        newest = report.newest
        after = sorted(seq for seq in heads if newest is None or seq > newest.seq)
        report.since_newest = len(after)
        found = []
        if newest is None and heads:
            found.append(Finding("no_checkpoints", f"the checkpoint file {self.path} holds no checkpoint yet"))
        if recorded and recorded[-1] not in {c.seq for c in checkpoints}:
            found.append(Finding("checkpoint_line_missing",
                                 f"entry {recorded[-1]} records a checkpoint that the file does not hold: the process "
                                 "stopped between the two writes, or the file's last lines were removed"))
        if after and heads[after[0]][1] < now - timedelta(minutes=2 * self.minutes):
            found.append(Finding("checkpoints_behind",
                                 f"{len(after)} entries since the newest checkpoint, the first from "
                                 f"{heads[after[0]][1].isoformat()}: is a process firing the timers "
                                 "(SURAKSHA_RUN_TIMERS)?"))
        return found


def _against_trail(cp: Checkpoint, heads: dict[int, tuple[str, datetime]], last: int) -> Finding | None:
    """None when the checkpoint's entry is in the trail with the hash it had; else what happened to it."""
    if cp.seq > last:
        return Finding("audit_cut_short", f"the audit trail was cut short: the checkpoint of {cp.at} names entry "
                                          f"{cp.seq}, but the trail now ends at entry {last}: the newest "
                                          f"{cp.seq - last} or more entries were deleted")
    if cp.seq not in heads:
        return Finding("checkpoint_entry_missing", f"entry {cp.seq}, signed at {cp.at}, is no longer in the trail")
    if heads[cp.seq][0] != cp.hash:
        return Finding("checkpoint_mismatch", f"entry {cp.seq} is not the one signed at {cp.at}: "
                                              "the trail was rewritten from there on")
    return None


def _lines_removed(checkpoints: list[Checkpoint], recorded: list[int]) -> list[Finding]:
    """Checkpoints the trail says were taken that the file no longer holds. Only the newest may be missing without
    tampering (the process stopped between the two writes: a warning, `CheckpointReport.warnings`)."""
    held = {c.seq for c in checkpoints}
    missing = [seq for seq in recorded[:-1] if seq not in held]
    if not missing:
        return []
    shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
    return [Finding("checkpoint_lines_removed", f"the checkpoint file lacks the checkpoints taken at entries {shown}: "
                                                "lines were removed, or the file was replaced")]
