"""The offline guarantee: with the app's network guard on, work completes and any attempt to
connect fails loudly, naming the code that tried."""

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from core.forensic import offline

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def guard():
    offline.install()
    yield
    offline.uninstall()


def test_connections_and_lookups_are_refused_with_the_caller_named(guard):
    with pytest.raises(OSError, match=r"blocked .*test_offline.py:\d+"):  # urllib wraps it in URLError
        urllib.request.urlopen("http://example.org/", timeout=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(offline.NetworkBlocked, match="192.0.2.1"):
        s.connect(("192.0.2.1", 80))
    s.close()
    with pytest.raises(offline.NetworkBlocked, match="lookup"):
        socket.getaddrinfo("example.org", 443)


def test_no_socket_is_bound_even_to_loopback_and_urllib3_still_imports(guard):
    """urllib3 bound an IPv6 socket to [::1] on import during every analysis: no endpoint at all."""
    for family, address in ((socket.AF_INET6, ("::1", 0)), (socket.AF_INET, ("127.0.0.1", 0))):
        s = socket.socket(family, socket.SOCK_STREAM)
        with pytest.raises(offline.NetworkBlocked, match=r"binding a socket .*test_offline.py:\d+"):
            s.bind(address)
        s.close()
    code = ("from core.forensic import offline; offline.install(); import urllib3.util.connection as c; "
            "print(c.HAS_IPV6)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "False", r.stderr


def test_keras_weight_download_is_refused(guard):
    keras = pytest.importorskip("keras")
    with pytest.raises(Exception, match="offline|blocked|URL fetch failure"):
        keras.applications.ResNet50(weights="imagenet", input_shape=(64, 64, 3), include_top=False)


def test_local_ipc_still_works(guard):
    a, b = socket.socketpair()
    a.sendall(b"ok")
    assert b.recv(2) == b"ok"
    a.close()
    b.close()


def test_the_app_installs_the_guard_for_every_command():
    code = (
        "import sys, main\n"
        "sys.argv = ['main.py', '--help']\n"
        "try:\n    main.main(['models'])\nexcept SystemExit: pass\n"
        "from core.forensic import offline\nprint('GUARD', offline.installed())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "GUARD True" in out.stdout, out.stderr


@pytest.mark.slow
def test_analyze_completes_under_the_guard(tiny_bundle, tmp_path):
    from media import astronaut_face_video

    (tmp_path / "evidence").mkdir()
    video = astronaut_face_video(tmp_path / "evidence" / "a.avi", n=6)
    code = (
        "import sys, main\n"
        f"rc = main.main(['analyze', {str(video)!r}, '--model', {tiny_bundle.path!r}, '--json', "
        f"{str(tmp_path / 'out' / 'r.json')!r}])\n"
        "from core.forensic import offline\nassert offline.installed()\nsys.exit(rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "blocked" not in out.stderr
    assert (tmp_path / "out" / "r.json").is_file()


@pytest.mark.slow
def test_train_and_evaluate_complete_under_the_guard(tmp_path):
    """One short epoch of training, then evaluation, from the command line, with sockets refused."""
    from trainset import make_images

    faces = make_images(tmp_path / "faces", identities=8, per_identity=2, faces_only=True)
    bundle = tmp_path / "out" / "bundle"
    code = (
        "import sys, main\n"
        f"rc = main.main(['train', {str(faces)!r}, '--arch', 'simple_cnn', '--input-size', '32', '--epochs', '1',"
        f" '--batch-size', '4', '--images-are-faces', '--out', {str(bundle)!r}])\n"
        f"rc = rc or main.main(['evaluate', {str(faces)!r}, '--model', {str(bundle)!r}, '--images-are-faces'])\n"
        "from core.forensic import offline\nassert offline.installed()\nsys.exit(rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "blocked" not in out.stderr
    assert (bundle / "model.keras").is_file()


def test_window_open_analyse_close_under_the_guard(qtbot, tmp_path, guard, tiny_bundle, colour_detector, face_video):
    """The window's whole cycle (open, hash, analyse, close) with sockets refused."""
    from PySide6.QtCore import QSettings

    from core.analysis import Engine
    from gui.main_window import MainWindow
    from gui.settings import Settings
    from gui.workers import EnginePool

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    w = MainWindow(settings, EnginePool(lambda b: Engine(tiny_bundle, detector=colour_detector)),
                   notify=lambda *_: None, confirm=lambda *_: True)
    qtbot.addWidget(w)
    w.show()
    w.open_video(str(face_video))
    qtbot.waitUntil(lambda: w.info is not None and w.video_sha256 is not None, timeout=10_000)
    w.start_analysis(use_cache=False)
    qtbot.waitUntil(lambda: not w.analysis_running(), timeout=60_000)
    assert w.review.result is not None and w.review.result.complete
    w.shutdown()
    assert offline.installed()
