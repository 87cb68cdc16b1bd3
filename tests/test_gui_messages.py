"""The one table from engine errors to dialog messages."""

import inspect

from core import errors
from gui import messages


def _all_error_types():
    return [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.InspectorError)]


def test_every_engine_error_maps_to_an_expected_message_with_its_own_text():
    for cls in _all_error_types():
        msg = messages.describe(cls("the analyst-facing text"))
        assert msg.expected, cls
        assert msg.text == "the analyst-facing text"
        assert msg.title and msg.title != "Unexpected error", cls


def test_specific_types_win_over_their_base():
    assert messages.describe(errors.EmptyFile("x")).title == "Empty file"
    assert messages.describe(errors.UnreadableVideo("x")).title == "Cannot decode the video"
    assert messages.describe(errors.BundleInvalid("x")).title == "Model bundle is damaged"

    class NewVideoProblem(errors.VideoError):
        pass

    assert messages.describe(NewVideoProblem("x")).title == messages.TABLE[errors.VideoError][0]


def test_unexpected_exceptions_show_details_and_the_log_file():
    msg = messages.describe(ZeroDivisionError("division by zero"), details="Traceback: line 1")
    assert not msg.expected
    assert msg.title == "Unexpected error"
    assert "ZeroDivisionError" in msg.text
    assert messages.log_path() in msg.hint
    assert msg.details == "Traceback: line 1"


def test_every_engine_error_type_has_its_own_entry():
    import inspect

    import core.errors as errors
    from gui.messages import TABLE

    expected = {c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.InspectorError)}
    assert expected - set(TABLE) == set()
