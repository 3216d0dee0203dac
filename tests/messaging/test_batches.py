"""Messages are claimed and their outcomes recorded a few at a time: two write transactions for a few messages
instead of two each, and never more than one claim can cover however slow the provider is."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from suraksha.messaging.model import PROVIDER_TIMEOUT_S, MessageKind
from suraksha.messaging.store import outbound_messages as om


class Died(BaseException):
    """The sending process stops here: nothing after it runs."""


def queue(container, n: int) -> list[int]:
    with container.engine.begin() as conn:
        return [container.messages.queue(conn, None, container.messages.sealer.seal(f"+9198200{i:05d}"), f"message {i}",
                                         MessageKind.FOLLOW_UP) for i in range(n)]


def rows(container) -> dict[int, tuple]:
    with container.engine.connect() as conn:
        return {r.id: (r.status, r.sending_since is not None, r.attempts)
                for r in conn.execute(select(om).order_by(om.c.id))}


def test_a_batch_is_what_the_claim_covers_with_two_slow_calls_each(container):
    assert container.messages.claim == timedelta(seconds=120)
    assert container.messages.batch == 5  # 120 s / (2 x 10 s) = 6, one left in hand
    assert PROVIDER_TIMEOUT_S == 10.0
    saved = container.messages.claim
    try:
        container.messages.claim = timedelta(seconds=30)  # the shortest claim the settings allow: one at a time
        assert container.messages.batch == 1
    finally:
        container.messages.claim = saved


def test_twelve_messages_leave_in_three_batches_of_two_commits(container):
    queue(container, 12)
    seen: list[int] = []

    def count(conn) -> None:  # this thread's commits only: the server's own workers share the engine
        if threading.get_ident() == me:
            seen.append(1)

    me = threading.get_ident()

    event.listen(container.engine, "commit", count)
    try:
        assert container.messages.deliver_due() == 12
    finally:
        event.remove(container.engine, "commit", count)
    assert len(container.messages.provider.sent) == 12
    assert {s for s, _, _ in rows(container).values()} == {"sent"}
    assert len(seen) == 6  # a claim and a record for each batch of five, five and two


def test_a_sender_that_dies_mid_batch_records_what_it_sent_and_leaves_the_rest_claimed(container, monkeypatch):
    ids = queue(container, 8)
    provider = container.messages.provider
    real = provider.send
    calls = []

    def send(to, body):
        calls.append(body)
        if len(calls) == 3:
            raise Died
        return real(to, body)

    monkeypatch.setattr(provider, "send", send)
    with pytest.raises(Died):
        container.messages.deliver_due()
    state = rows(container)
    assert [state[i] for i in ids[:2]] == [("sent", False, 1)] * 2  # sent before it died: recorded
    assert [state[i] for i in ids[2:5]] == [("pending", True, 0)] * 3  # claimed, in doubt: the claim holds them
    assert [state[i] for i in ids[5:]] == [("pending", False, 0)] * 3  # the next batch was never claimed
    monkeypatch.undo()
    container.messages.deliver_due()
    assert [rows(container)[i][0] for i in ids[5:]] == ["sent"] * 3  # the rest go; the doubtful wait for the claim
    assert [rows(container)[i][0] for i in ids[2:5]] == ["pending"] * 3
