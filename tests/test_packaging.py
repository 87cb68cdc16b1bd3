"""The installers' desktop files agree with each other and with the app; the icon renders in every size.

The packages themselves are built and installed by scripts/build_installer.sh and scripts/check_deb.sh
(CI_INSTALLER=1 .ci/run); these checks are the fast part, run with the tests.
"""

from __future__ import annotations

import configparser
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
APP_ID = "org.deepfakeinspector.DeepfakeInspector"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"


def desktop_entry() -> configparser.SectionProxy:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str
    cp.read(DESKTOP, encoding="utf-8")
    return cp["Desktop Entry"]


def test_one_id_everywhere():
    entry = desktop_entry()
    assert entry["Icon"] == APP_ID
    meta = METAINFO.read_text()
    assert f"<id>{APP_ID}</id>" in meta and f">{APP_ID}.desktop</launchable>" in meta
    for path in ("scripts/build_deb.sh", "scripts/check_deb.sh", "pyinstaller.spec",
                 "packaging/windows/DeepfakeInspector.iss", "scripts/render_icons.py"):
        assert APP_ID in (ROOT / path).read_text(), path


def test_exec_line_opens_one_file_through_the_launcher():
    entry = desktop_entry()
    assert entry["Exec"] == "deepfake-inspector %f"  # main.py: one video path opens the window on it
    assert entry["TryExec"] == "deepfake-inspector"
    launcher = (LINUX / "deepfake-inspector").read_text()
    assert 'exec /opt/deepfake-inspector/DeepfakeInspector "$@"' in launcher
    assert (LINUX / "deepfake-inspector").stat().st_mode & 0o111


def test_mime_types_cover_the_video_suffixes():
    from core.batch.inputs import VIDEO_SUFFIXES

    # shared-mime-info's type for each suffix the app reads
    by_suffix = {".mp4": "video/mp4", ".mov": "video/quicktime", ".avi": "video/x-msvideo",
                 ".mkv": "video/x-matroska", ".m4v": "video/x-m4v", ".webm": "video/webm",
                 ".wmv": "video/x-ms-wmv", ".mpg": "video/mpeg", ".mpeg": "video/mpeg", ".ts": "video/mp2t",
                 ".mts": "video/mp2t", ".m2ts": "video/mp2t", ".3gp": "video/3gpp", ".flv": "video/x-flv"}
    listed = set(filter(None, desktop_entry()["MimeType"].split(";")))
    missing = {s: by_suffix.get(s) for s in VIDEO_SUFFIXES if by_suffix.get(s) not in listed}
    assert not missing
    iss = (ROOT / "packaging" / "windows" / "DeepfakeInspector.iss").read_text()
    assert not [s for s in VIDEO_SUFFIXES if f'ValueName: "{s}"' not in iss]


def test_postrm_removes_only_the_app_folder():
    script = (LINUX / "postrm").read_text()
    removals = re.findall(r"rm -rf (\S+)", script)
    assert removals == ["/opt/deepfake-inspector"]  # never a user's folder


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils not installed")
def test_desktop_file_validates():
    subprocess.run(["desktop-file-validate", str(DESKTOP)], check=True)


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream not installed")
def test_metainfo_validates(tmp_path):
    meta = tmp_path / METAINFO.name
    meta.write_text(METAINFO.read_text().replace("@VERSION@", "0.1.0").replace("@DATE@", "2026-01-01"))
    subprocess.run(["appstreamcli", "validate", "--no-net", str(meta)], check=True)


def test_icons_render_in_every_size(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "render_icons.py"), str(tmp_path)], check=True,
                   env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    for s in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        png = (tmp_path / "hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (s, s)
    ico = (tmp_path / f"{APP_ID}.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, 7)
    for i in range(count):
        w, _, _, _, _, _, size, offset = struct.unpack_from("<BBBBHHII", ico, 6 + 16 * i)
        data = ico[offset:offset + size]
        assert data[:4] == b"\x89PNG" and struct.unpack(">I", data[16:20])[0] == (w or 256)
    icns = (tmp_path / f"{APP_ID}.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
