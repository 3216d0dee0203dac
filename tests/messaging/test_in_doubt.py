"""No message to her is sent twice when its sender stops between the provider's answer and the record of it
(issue 13). The claim marks the attempt begun; a later sender that finds an attempt begun and never recorded asks the
provider (Twilio's list of messages) before sending, and records what the provider has. A fake Twilio counts every
message it is asked to create."""

from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from suraksha.messaging.providers import TwilioProvider
from suraksha.messaging.store import outbound_messages as om
from suraksha.settings import Settings
from tests.fake_twilio import ACCOUNT, FakeTwilio

SENDER = "+15005550006"


class Died(BaseException):
    """The sending process stops here (a `kill -9` at this instant): nothing after it runs."""


@pytest.fixture
def twilio(container):
    fake = FakeTwilio(now=container.clock.now)
    original = container.messages.provider
    container.messages.provider = TwilioProvider(ACCOUNT, "token", SENDER, base_url="https://api.twilio.test",
                                                 transport=fake.transport())
    yield fake
    container.messages.provider = original


@pytest.fixture
def dispatched(make_incident, container):
    """An incident whose unit has been dispatched: one message to her waits to be sent."""
    tracking = make_incident()
    unit = container.dispatch.create_unit("MUM-PV-931", "patrol_van", container.stations.all("mumbai")[0].id)
    container.dispatch.assign(tracking, unit["id"])
    return tracking


def message(container):
    with container.engine.connect() as conn:
        return conn.execute(select(om).where(om.c.kind == "unit_dispatched")).one()


def dies_after_twilio_took_it(message):
    raise Died


def test_a_sender_that_died_after_twilio_took_the_message_does_not_make_the_next_one_send_it_again(
        container, twilio, dispatched):
    twilio.on_create = dies_after_twilio_took_it
    with pytest.raises(Died):
        container.messages.deliver_due()
    twilio.on_create = None
    left = message(container)
    assert (left.status, left.sending_since is not None) == ("pending", True)  # in doubt, the claim still holds it

    container.messages.deliver_due()
    assert len(twilio.messages) == 1  # nobody touches it while the claim holds

    container.clock.advance(seconds=container.messages.claim.total_seconds())
    container.messages.deliver_due()
    done = message(container)
    assert (done.status, done.provider_ref, done.sending_since, done.attempts) == (
        "sent", twilio.messages[0]["sid"], None, 1)
    assert twilio.sent_twice() == {} and len(twilio.messages) == 1


def test_a_sender_that_died_before_twilio_had_it_leaves_it_to_be_sent_once(container, twilio, dispatched, monkeypatch):
    def dies_on_the_way(to, body):
        raise Died
    monkeypatch.setattr(container.messages.provider, "send", dies_on_the_way)
    with pytest.raises(Died):
        container.messages.deliver_due()
    monkeypatch.undo()

    container.clock.advance(seconds=container.messages.claim.total_seconds())
    container.messages.deliver_due()
    done = message(container)
    assert (done.status, done.provider_ref) == ("sent", twilio.messages[0]["sid"])
    assert list(twilio.creates.values()) == [1]


def test_an_answer_lost_on_the_way_back_is_looked_up_before_another_attempt(container, twilio, dispatched):
    def answer_lost(message):
        raise httpx.ReadTimeout("the answer did not come")
    twilio.on_create = answer_lost
    container.messages.deliver_due()
    twilio.on_create = None
    left = message(container)
    assert (left.status, left.attempts, left.sending_since is not None) == ("pending", 1, True)
    assert "answer lost" in left.last_error

    container.clock.advance(minutes=1)
    container.messages.deliver_due()
    done = message(container)
    assert (done.status, done.attempts, done.provider_ref) == ("sent", 2, twilio.messages[0]["sid"])
    assert list(twilio.creates.values()) == [1]


def test_when_twilio_cannot_say_whether_it_has_the_message_nothing_is_sent_until_it_can(
        container, twilio, dispatched):
    twilio.on_create = dies_after_twilio_took_it
    with pytest.raises(Died):
        container.messages.deliver_due()
    twilio.on_create, twilio.list_fails = None, True

    container.clock.advance(seconds=container.messages.claim.total_seconds())
    container.messages.deliver_due()
    waiting = message(container)
    assert (waiting.status, waiting.attempts, waiting.sending_since is not None) == ("pending", 1, True)
    assert "503" in waiting.last_error
    assert len(twilio.messages) == 1

    twilio.list_fails = False
    container.clock.advance(minutes=1)
    container.messages.deliver_due()
    assert (message(container).status, len(twilio.messages)) == ("sent", 1)


def test_an_older_message_with_the_same_words_is_not_taken_for_the_one_in_doubt(container, twilio, dispatched):
    body, to = message(container).body, "+919820012345"
    twilio.messages.append({"sid": "SM" + "0" * 32, "to": to, "from": SENDER, "body": body, "status": "delivered",
                            "date_created": format_datetime(container.clock.now() - timedelta(hours=1),
                                                            usegmt=True)})  # an hour before

    def dies_on_the_way(to, body):
        raise Died
    send = container.messages.provider.send
    container.messages.provider.send = dies_on_the_way
    with pytest.raises(Died):
        container.messages.deliver_due()
    container.messages.provider.send = send
    container.clock.advance(seconds=container.messages.claim.total_seconds())
    container.messages.deliver_due()
    done = message(container)
    assert done.status == "sent" and done.provider_ref != "SM" + "0" * 32
    assert twilio.creates[(to, body)] == 1


def test_a_claim_shorter_than_the_providers_calls_is_refused():
    with pytest.raises(ValidationError, match="outbound_claim_seconds"):
        Settings(outbound_claim_seconds=10)  # Twilio's timeout is 10 s, and an attempt in doubt makes two calls
    assert Settings().outbound_claim_seconds == 120
