"""The installer's trimmed ICU data (scripts/icu_trim.py): same package format, same answers to what Qt asks."""
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("icu_trim", ROOT / "scripts" / "icu_trim.py")
icu_trim = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(icu_trim)


def _qt_icu_dir() -> Path:
    import PySide6

    lib = Path(PySide6.__file__).parent / "Qt" / "lib"
    if not sys.platform.startswith("linux") or not list(lib.glob("libicudata.so.*")):
        pytest.skip("PySide6 bundles ICU on Linux only")
    return lib


def test_keep_rules():
    kept = ["icudt73l/coll/root.res", "icudt73l/coll/ucadata.icu", "icudt73l/zoneinfo64.res", "icudt73l/en_GB.res",
            "icudt73l/zone/en.res", "icudt73l/curr/pool.res", "icudt73l/brkitr/line.brk", "icudt73l/cnvalias.icu",
            "icudt73l/metaZones.res", "icudt73l/coll/res_index.res", "icudt73l/uts46.nrm",
            "icudt73l/keyTypeData.res", "icudt73l/curr/supplementalData.res"]
    dropped = ["icudt73l/coll/de.res", "icudt73l/zone/sr_Latn_BA.res", "icudt73l/yue_Hans.res",
               "icudt73l/ibm-5348_P100-1997.cnv", "icudt73l/brkitr/cjdict.dict", "icudt73l/translit/root.res"]
    assert [name for name in kept if not icu_trim.keep(name)] == []
    assert [name for name in dropped if icu_trim.keep(name)] == []


def test_package_round_trip_on_generated_items():
    info = b"\x14\x00\x00\x00" + b"\x00\x00\x02\x00" + b"CmnD" + b"\x01\x00\x00\x00"  # little-endian, version 1
    header = b"\x20\x00\xda\x27" + info + b"\0" * 12  # 32 bytes, as headerSize says
    items = [("pkg/a.res", b"A" * 5), ("pkg/b/c.icu", b"B" * 32), ("pkg/d.res", b"D")]
    blob = icu_trim.build_package(header, items)
    parsed_header, parsed = icu_trim.parse_package(blob)
    assert parsed_header == header
    assert [name for name, _ in parsed] == [name for name, _ in items]
    assert [data.rstrip(b"\xaa") for _, data in parsed] == [data for _, data in items]
    with pytest.raises(ValueError, match="common-data"):
        icu_trim.parse_package(b"\x20\x00\x00\x00" + blob[4:])


def test_qt_icu_package_round_trips_byte_for_byte():
    symbol, blob = icu_trim.find_data(next(_qt_icu_dir().glob("libicudata.so.*")).read_bytes())
    header, items = icu_trim.parse_package(blob)
    assert symbol.startswith("icudt") and len(items) > 1000
    assert icu_trim.build_package(header, items) == blob


# Runs in a fresh interpreter: ICU libraries already loaded (by PySide6) would be reused by soname.
_PROBE = r"""
import ctypes, functools, json, sys
from pathlib import Path
folder = Path(sys.argv[1])
v = "_" + next(folder.glob("libicuuc.so.*")).name.rsplit(".", 1)[1]
i18n = ctypes.CDLL(str(folder / f"libicui18n.so{v.replace('_', '.')}"))
uc = ctypes.CDLL(str(folder / f"libicuuc.so{v.replace('_', '.')}"))
def fn(lib, name, res=ctypes.c_int32):
    f = getattr(lib, name + v); f.restype = res; return f
def u(text):  # a UTF-16 buffer and its length, as ICU takes strings
    data = text.encode("utf-16-le") + b"\0\0"
    return (ctypes.c_uint16 * (len(data) // 2)).from_buffer_copy(data), len(data) // 2 - 1
def call_text(f, *args):  # u_strTo* take the output buffer first, ucal_* last
    out = (ctypes.c_uint16 * 256)(); err = ctypes.c_int(0)
    if f.__name__.startswith("u_str"):
        n = f(out, 256, *args, ctypes.byref(err))
    else:
        n = f(*args, out, 256, ctypes.byref(err))
    return None if err.value > 0 else bytes(out)[:2 * n].decode("utf-16-le")
result = {}
upper, lower = fn(uc, "u_strToUpper"), fn(uc, "u_strToLower")
for loc, text in (("tr", "istanbul"), ("de", "straße"), ("en", "ǆemal")):
    result[f"upper-{loc}"] = call_text(upper, *u(text), loc.encode())
result["lower-el"] = call_text(lower, *u("ΟΔΟΣ"), b"el")
open_coll, strcoll = fn(i18n, "ucol_open", ctypes.c_void_p), fn(i18n, "ucol_strcoll")
words = ["Äpfel", "apfel", "Zebra", "öl", "Ol", "résumé", "resume", "ß", "ss", "10", "9", "Ñandú", "nandu"]
for loc in ("", "en", "en_GB", "de", "fr"):
    err = ctypes.c_int(0); coll = open_coll(loc.encode(), ctypes.byref(err))
    assert err.value <= 0, (loc, err.value)
    cmp = lambda a, b: strcoll(ctypes.c_void_p(coll), *u(a), *u(b))
    result[f"sort-{loc or 'root'}"] = sorted(words, key=functools.cmp_to_key(cmp))
cal_open = fn(i18n, "ucal_open", ctypes.c_void_p)
name = fn(i18n, "ucal_getTimeZoneDisplayName")
for zone in ("Europe/Berlin", "America/New_York", "Asia/Kolkata"):
    err = ctypes.c_int(0); cal = cal_open(*u(zone), b"en_US", 0, ctypes.byref(err))
    assert err.value <= 0, (zone, err.value)
    result[zone] = [call_text(name, ctypes.c_void_p(cal), kind, b"en_US") for kind in (0, 1, 2, 3)]
canon = fn(i18n, "ucal_getCanonicalTimeZoneID")
out = (ctypes.c_uint16 * 64)(); system = ctypes.c_int8(0); err = ctypes.c_int(0)
n = canon(*u("US/Pacific"), out, 64, ctypes.byref(system), ctypes.byref(err))
result["canonical"] = bytes(out)[:2 * n].decode("utf-16-le")
cnv_open = fn(uc, "ucnv_open", ctypes.c_void_p)
for codec in ("UTF-8", "UTF-16LE", "US-ASCII", "ISO-8859-1"):
    err = ctypes.c_int(0); cnv_open(codec.encode(), ctypes.byref(err)); result[f"codec-{codec}"] = err.value <= 0
print(json.dumps(result, ensure_ascii=False))
"""


def _probe(folder: Path) -> dict:
    run = subprocess.run([sys.executable, "-c", _PROBE, str(folder)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.skipif(not (shutil.which("gcc") or shutil.which("cc")), reason="needs a C compiler")
def test_trimmed_icu_answers_what_qt_asks_like_the_original(tmp_path):
    qt = _qt_icu_dir()
    trimmed = tmp_path / "trimmed"
    trimmed.mkdir()
    for lib in qt.glob("libicu*.so.*"):
        if not lib.name.startswith("libicudata"):
            shutil.copy2(lib, trimmed / lib.name)
    source = next(qt.glob("libicudata.so.*"))
    before, after = icu_trim.trim(source, trimmed / source.name)
    assert after < before / 5

    original, small = _probe(qt), _probe(trimmed)
    assert small == original
    assert small["upper-tr"] == "İSTANBUL" and small["upper-de"] == "STRASSE"
    assert small["Europe/Berlin"][0] == "Central European Standard Time"
    assert small["canonical"] == "America/Los_Angeles"
    assert all(small[f"codec-{c}"] for c in ("UTF-8", "UTF-16LE", "US-ASCII", "ISO-8859-1"))
