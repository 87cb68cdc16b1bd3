"""Rebuild Qt's ICU data library with only the data Qt asks ICU for (32 MB -> about 4 MB).

    python scripts/icu_trim.py SRC/libicudata.so.73 OUT/libicudata.so.73

Qt Core calls ICU for four things (``nm -D --undefined-only libQt6Core.so.6 | grep _73``):
collation (``ucol_*``), case mapping (``u_strToUpper/Lower``), time-zone ids and names
(``ucal_*``) and legacy text codecs (``ucnv_*``). The data library also holds number, date,
currency, unit and language names for about 800 locales, transliteration rules, word-break
dictionaries and 190 codec tables, none of which Qt reads.

What is kept: every core data file (Unicode properties, normalisation, the root collation
table, time-zone rules, supplemental data), the break rules, and the root and English entries
of every locale tree. Other locales fall back to root in ICU: a German or French analyst's file
lists sort by the root (CLDR) collation order, which for German and French is the same order;
languages with an order of their own (Swedish å after z, Spanish ñ after n) lose it.
What goes: other locales, dictionaries, transliteration, and codec tables (UTF-8, UTF-16,
UTF-32, US-ASCII and Latin-1 are built into ICU's code and keep working).

The library is rebuilt with the system C compiler (``gcc``/``cc``): one read-only symbol,
``icudtNN_dat``, holding ICU's common-data package, under the same soname.
"""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*$")  # af, en_GB, sr_Latn_BA, yue_Hans; not keyTypeData
_SYMBOL = re.compile(rb"^icudt\d+_dat$")


def keep(name: str) -> bool:
    """Whether an item of the package (e.g. ``icudt73l/coll/de.res``) stays."""
    tree, _, leaf = name.partition("/")[2].rpartition("/")
    stem, _, ext = leaf.rpartition(".")
    if ext in ("cnv", "dict") or tree == "translit":
        return False
    if ext != "res" or stem in ("root", "pool", "res_index"):
        return True
    if stem == "en" or stem.startswith("en_"):
        return True
    return not _LOCALE.match(stem)  # supplementalData, zoneinfo64, metaZones, ...


def find_data(lib: bytes) -> tuple[str, bytes]:
    """The ``icudtNN_dat`` symbol's name and bytes in an ELF64 little-endian shared library."""
    if lib[:4] != b"\x7fELF" or lib[4] != 2 or lib[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", lib, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", lib, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", lib, shoff + i * shentsize) for i in range(shnum)]
    phoff, = struct.unpack_from("<Q", lib, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", lib, 0x36)
    loads = [struct.unpack_from("<IIQQQQQQ", lib, phoff + i * phentsize) for i in range(phnum)]
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind != 11:  # SHT_DYNSYM
            continue
        strtab = sections[link][4]
        for at in range(offset, offset + size, entsize):
            name_at, _, _, _, value, length = struct.unpack_from("<IBBHQQ", lib, at)
            name = lib[strtab + name_at:lib.index(b"\0", strtab + name_at)]
            if not _SYMBOL.match(name):
                continue
            for ptype, _, seg_offset, vaddr, _, filesz, _, _ in loads:
                if ptype == 1 and vaddr <= value < vaddr + filesz:
                    start = value - vaddr + seg_offset
                    return name.decode(), lib[start:start + length]
    raise ValueError("no icudtNN_dat symbol: not an ICU data library")


def parse_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """An ICU common-data package ("CmnD") as its header and its (name, item) list, in order."""
    header_size, = struct.unpack_from("<H", blob, 0)
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD" or blob[8] != 0:
        raise ValueError("not a little-endian ICU common-data package")
    toc = blob[header_size:]
    count, = struct.unpack_from("<I", toc, 0)
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    ends = [data for _, data in entries[1:]] + [len(toc)]
    items = []
    for (name_at, data_at), end in zip(entries, ends, strict=True):
        items.append((toc[name_at:toc.index(b"\0", name_at)].decode("ascii"), toc[data_at:end]))
    return blob[:header_size], items


def _pad16(data: bytes) -> bytes:
    return data + b"\xaa" * (-len(data) % 16)  # ICU's own padding byte


def build_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The inverse of :func:`parse_package`; items stay in the given (sorted) order, 16-byte aligned."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    names_at = 4 + 8 * len(items)
    data_at = names_at + len(names) + (-(names_at + len(names)) % 16)
    entries, name_at, datas = [], names_at, []
    for name, data in items:
        entries.append(struct.pack("<II", name_at, data_at))
        name_at += len(name) + 1
        datas.append(_pad16(data))
        data_at += len(datas[-1])
    toc = struct.pack("<I", len(items)) + b"".join(entries) + names
    return header + _pad16(toc) + b"".join(datas)


def write_library(symbol: str, package: bytes, soname: str, out: Path) -> None:
    """A shared library exporting ``symbol`` = ``package`` (16-byte aligned, read-only)."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if not compiler:
        raise RuntimeError("no C compiler (gcc or cc) to rebuild the ICU data library")
    with tempfile.TemporaryDirectory() as work:
        Path(work, "data.bin").write_bytes(package)
        Path(work, "data.S").write_text(
            f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
            f'{symbol}:\n\t.incbin "data.bin"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n'
        )
        subprocess.run([compiler, "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", str(out.resolve()),
                        "data.S"], cwd=work, check=True)


def trim(src: Path, out: Path) -> tuple[int, int]:
    """Write the trimmed copy of ``src`` to ``out``; returns the package sizes before and after."""
    symbol, blob = find_data(src.read_bytes())
    header, items = parse_package(blob)
    package = build_package(header, [item for item in items if keep(item[0])])
    out.parent.mkdir(parents=True, exist_ok=True)
    write_library(symbol, package, src.name, out)
    return len(blob), len(package)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    before, after = trim(Path(argv[0]), Path(argv[1]))
    print(f"ICU data {before:,} -> {after:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
