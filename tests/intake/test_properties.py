"""Properties of the parsers that read what outsiders send: a message's text and Twilio's form.

Hypothesis, deterministic (`derandomize=True`, no example database) and bounded, so CI is stable.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suraksha.core.errors import BadDelivery
from suraksha.core.geo import Point
from suraksha.intake.channels.twilio_sms.parse import parse_form, to_contact
from suraksha.intake.model import Contact, parse_location

PROPERTY = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
RECEIVED = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_BODY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # the body keeps tabs and newlines

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
# Text that looks like what the parser is after: digits, separators and the pieces of maps links.
location_ish = st.lists(st.one_of(
    st.text(), st.sampled_from(["geo:", "?q=", "&ll=", "/@", "/maps/place/x/", "#map=17/", "mlat=", "&mlon=",
                                 ",", ", ", ";", ".", "-", "+", "%2C", "%", "loc:"]),
    st.integers(-1000, 1000).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str),
), max_size=12).map("".join)


def valid_point(point: Point) -> bool:
    return -90 <= point.lat <= 90 and -180 <= point.lon <= 180 and not (point.lat == 0 and point.lon == 0)


@PROPERTY
@given(st.one_of(st.text(), location_ish))
def test_parse_location_never_raises_and_finds_only_wgs84_points(text):
    point = parse_location(text)
    assert point is None or (isinstance(point, Point) and valid_point(point))


@PROPERTY
@given(latitudes, longitudes, st.sampled_from(["{}", "help {} now", "{};u=35", "मदद {} करो"]))
def test_a_geo_uri_round_trips(lat, lon, around):
    lat_text, lon_text = f"{lat:.7f}", f"{lon:.7f}"
    point = parse_location(around.format(f"geo:{lat_text},{lon_text}"))
    if float(lat_text) == 0 and float(lon_text) == 0:
        assert point is None  # 0,0 is a phone without a fix, never a place
        return
    assert point is not None
    assert abs(point.lat - lat) <= 1e-6 and abs(point.lon - lon) <= 1e-6


FIELDS = ["MessageSid", "From", "To", "Body", "NumMedia", "MediaUrl0", "MediaUrl1", "Latitude", "Longitude",
          "FromCountry", "SmsStatus"]
field_values = st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=0x9f)),
                         st.integers().map(str), st.sampled_from(["+919820012345", "+91 98200 12345", "19.07", ""]))
forms = st.one_of(
    st.binary(),
    st.dictionaries(st.sampled_from(FIELDS), field_values).map(lambda form: urlencode(form).encode()),
    st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text()), field_values)
    .map(lambda form: "&".join(f"{k}={v}" for k, v in form.items()).encode("utf-8", "surrogatepass")),
)


@PROPERTY
@given(forms)
def test_any_twilio_form_is_a_contact_or_a_stable_refusal(body):
    try:
        contact = to_contact(parse_form(body), RECEIVED)
    except BadDelivery as exc:
        assert exc.code == "invalid_webhook" and exc.status == 400
        return
    assert isinstance(contact, Contact)
    for value in (contact.provider_id, contact.sender, contact.receiving, *contact.media):
        assert not CONTROL.search(value), value
    assert not CONTROL_IN_BODY.search(contact.text)
    assert 0 <= contact.num_media <= 10 and len(contact.media) <= contact.num_media
    assert contact.location is None or valid_point(contact.location)
