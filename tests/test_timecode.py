"""Typing and reading positions: frame numbers, seconds, clock times and SMPTE timecodes."""

import pytest

from core.timecode import format_short, format_time, parse_position, time_to_frame


def test_format_time_rounds_to_milliseconds_and_hours():
    assert format_time(0) == "00:00:00.000"
    assert format_time(41.1333333) == "00:00:41.133"
    assert format_time(3723.5) == "01:02:03.500"
    assert format_time(59.9996) == "00:01:00.000"
    assert format_short(3.9333) == "0:03.933"
    assert format_short(3723.5) == "1:02:03.500"


@pytest.mark.parametrize(
    "text, fps, frame",
    [
        ("1234", 30, 1234),
        ("#17", 30, 17),
        ("12.5", 30, 375),
        ("12.5s", 30, 375),
        ("2s", 25, 50),
        ("1:02.5", 30, 1875),
        ("00:01:02.500", 30, 1875),
        ("00:00:10:12", 25, 262),
        ("01:00:00:00", 25, 90000),
        (" 0:00:01,5 ", 10, 15),
    ],
)
def test_parse_position_accepts_what_analysts_type(text, fps, frame):
    assert parse_position(text, fps) == frame


@pytest.mark.parametrize("text", ["", "abc", "1:61", "00:00:10:30", "#x", "1:2:3:4:5"])
def test_parse_position_rejects_with_a_message(text):
    with pytest.raises(ValueError) as err:
        parse_position(text, 25)
    assert str(err.value)


def test_time_to_frame_is_the_frame_on_screen_at_that_time():
    # At 29.97 fps frame 1 starts at 0.03337 s: 0.0333 s is still frame 0.
    assert time_to_frame(0.0333, 29.97) == 0
    assert time_to_frame(1 / 29.97, 29.97) == 1
    assert time_to_frame(10.0, 30) == 300
