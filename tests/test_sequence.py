import numpy as np
import pytest

from core.sequence import TrackWindows


def test_each_position_gets_the_mean_of_its_windows():
    tw = TrackWindows(length=4, hop=2)
    for i in range(6):
        tw.add(np.array([float(i)]))
    starts = tw.due_windows()
    assert starts == [0, 2]
    for s in starts:
        tw.record(s, float(s))  # window score = its start
    assert tw.is_final(3) and not tw.is_final(4)
    assert tw.tail_window() is None  # window at 2 already covers 2..5
    assert tw.score(1) == 0.0
    assert tw.score(3) == pytest.approx(1.0)  # covered by windows 0 and 2
    assert tw.score(5) == 2.0


def test_short_track_is_padded_into_one_window():
    tw = TrackWindows(length=4, hop=2)
    tw.add(np.array([1.0]))
    tw.add(np.array([2.0]))
    assert tw.due_windows() == []
    start = tw.tail_window()
    assert start == 0
    w = tw.window(start)
    assert w.shape == (4, 1) and w[:, 0].tolist() == [1.0, 1.0, 1.0, 2.0]
    tw.record(start, 0.7)
    assert tw.is_final(1) and tw.score(1) == 0.7


def test_tail_window_covers_the_end():
    tw = TrackWindows(length=4, hop=4)
    for i in range(6):
        tw.add(np.array([float(i)]))
    assert tw.due_windows() == [0]
    assert tw.tail_window() == 2
