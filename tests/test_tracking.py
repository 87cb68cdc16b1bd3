import numpy as np
import pytest

from core.faces import Detection, crop_face, square_around
from core.tracking import Tracker, iou


def det(x, y, s=40):
    return Detection((x, y, x + s, y + s), 0.99)


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)


def test_two_people_keep_their_ids_while_moving():
    t = Tracker()
    faces, _ = t.update(0, [det(10, 10), det(200, 10)])
    ids = {f.box[0]: f.track for f in faces}
    assert sorted(ids.values()) == [1, 2]
    for step in range(1, 6):  # both move 5 px per frame; detection every 5 frames
        faces, ended = t.update(step * 5, [det(200 + 25 * step, 10), det(10 + 25 * step, 10)])
        assert not ended
        by_x = sorted(faces, key=lambda f: f.box[0])
        assert [f.track for f in by_x] == [ids[10], ids[200]]


def test_carry_propagates_with_measured_velocity():
    t = Tracker()
    t.update(0, [det(10, 10)])
    t.update(5, [det(20, 10)])  # 2 px per frame
    carried = t.carry(7, (640, 480))
    assert len(carried) == 1 and not carried[0].detected
    assert carried[0].box[0] == pytest.approx(24.0)


def test_lost_track_ends_and_a_new_face_gets_a_new_id():
    t = Tracker(max_missed=1)
    t.update(0, [det(10, 10)])
    _, ended = t.update(5, [])
    assert ended == []  # one miss is tolerated
    assert t.carry(6, (640, 480)) == []  # but nothing is carried while missed
    _, ended = t.update(10, [])
    assert ended == [1]
    faces, _ = t.update(15, [det(10, 10)])
    assert faces[0].track == 2


def test_square_crop_with_margin_and_padding():
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[40:60, 40:60] = 255
    x0, y0, x1, y1 = square_around((40, 40, 60, 60), 0.5)
    assert (x1 - x0, y1 - y0) == (30, 30)
    crop = crop_face(frame, (40, 40, 60, 60), 0.0, 20)
    assert crop.shape == (20, 20, 3) and crop.min() == 255
    edge = crop_face(frame, (-10, -10, 10, 10), 0.0, 20)  # half outside: black padding, no crash
    assert edge.shape == (20, 20, 3)
