"""SMS segments counted as the network counts them: GSM-7 160/153 (extension characters take two septets, an
escape pair is never split), UCS-2 70/67 (a surrogate pair is never split)."""

from suraksha.messaging.segments import GSM7_BASIC, GSM7_EXTENSION, Segments, encoding_of, fits, segments


def test_the_gsm7_alphabet_has_its_127_characters_and_10_extensions():
    assert len(GSM7_BASIC) == 127 and len(GSM7_EXTENSION) == 10
    assert encoding_of("Suraksha: call 112 @ £5 {ok}") == "gsm7"
    assert encoding_of("Colaba – 112") == "ucs2"  # an en dash is not in the alphabet
    assert encoding_of("सुरक्षा") == "ucs2"


def test_gsm7_takes_160_in_one_segment_and_153_per_segment_when_split():
    assert segments("a" * 160) == Segments("gsm7", 160, 1)
    assert segments("a" * 161) == Segments("gsm7", 161, 2)
    assert segments("a" * 306) == Segments("gsm7", 306, 2)
    assert segments("a" * 307).count == 3
    assert segments("{" * 80) == Segments("gsm7", 160, 1)  # two septets each
    assert segments("a" * 152 + "€" + "a" * 152).count == 3  # 306 septets, but an escape pair is never split
    assert segments("a" * 153 + "€" * 76).count == 2  # 153 + 152 septets: the last segment is one short


def test_ucs2_takes_70_in_one_segment_and_67_per_segment_when_split():
    deva = "क"
    assert segments(deva * 70) == Segments("ucs2", 70, 1)
    assert segments(deva * 71) == Segments("ucs2", 71, 2)
    assert segments(deva * 134) == Segments("ucs2", 134, 2)
    assert segments(deva * 135).count == 3
    assert segments("a" * 66 + "🙏" + "a" * 67).count == 3  # a surrogate pair is kept whole
    assert segments("") == Segments("gsm7", 0, 1)
    assert fits(deva * 134) and not fits(deva * 135)
