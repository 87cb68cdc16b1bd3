#!/usr/bin/env bash
# Build the one-folder app from a clean virtual environment, run its self-test, pack it.
#   bash scripts/build_installer.sh            # CPU build (tensorflow-cpu)
#   EXTRA=gpu bash scripts/build_installer.sh  # GPU build (tensorflow with CUDA libraries)
#   REUSE_VENV=1 ...                           # keep build/venv from the last build
#   CHECK_INSTALLED=1 ...                      # then scripts/check_installed.sh: read-only, odd path
# Linux packs a .tar.gz; Windows (Git Bash) packs a .zip (written for it, not run there yet).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA=${EXTRA:-cpu}
case "$(uname -s)" in
    MINGW* | MSYS* | CYGWIN*) OS=windows BIN=build/venv/Scripts ;;
    *) OS=$(uname -s | tr '[:upper:]' '[:lower:]') BIN=build/venv/bin ;;
esac
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
NAME=DeepfakeInspector
start=$(date +%s)

rm -rf build/pyi build/stripped "dist/$NAME"
if [ "${REUSE_VENV:-0}" != 1 ]; then  # REUSE_VENV=1: keep build/venv from the last build
    rm -rf build/venv
    python3 -m venv build/venv
    "$BIN/python" -m pip install -q --upgrade pip
fi
PINS=()  # the CPU build pins TensorFlow to keep the folder in its size budget
[ "$EXTRA" = cpu ] && PINS=(-c scripts/installer-constraints.txt)
"$BIN/python" -m pip install -q "${PINS[@]}" ".[$EXTRA,build]"
# the pretrained files the app trains from offline: fetched (or found) and verified by their pinned SHA-256
"$BIN/python" main.py fetch-backbone $("$BIN/python" -c 'from core.backbones.sources import INSTALLER; print(*INSTALLER)')
"$BIN/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyi pyinstaller.spec
rm -rf build/stripped  # the spec's stripped copies (800 MB), now in dist

echo "== self-test of the built app"
DFI_HOME=$(mktemp -d) "dist/$NAME/$NAME" --self-test

mkdir -p dist
archive="dist/$NAME-$VERSION-$OS-$(uname -m)-$EXTRA"
if [ "$OS" = windows ]; then
    archive="$archive.zip"
    "$BIN/python" -c 'import shutil, sys; shutil.make_archive(sys.argv[1][:-4], "zip", "dist", sys.argv[2])' \
        "$archive" "$NAME"
else
    archive="$archive.tar.gz"
    tar -C dist -czf "$archive" "$NAME"
fi
(cd dist && sha256sum "$(basename "$archive")" > "$(basename "$archive").sha256")
end=$(date +%s)
echo "== built in $((end - start)) s"
folder_bytes=$(du -sb "dist/$NAME" | cut -f1)
archive_bytes=$(stat -c %s "$archive")
echo "folder:  $folder_bytes bytes ($(du -sh "dist/$NAME" | cut -f1))"
echo "archive: $archive_bytes bytes ($(du -sh "$archive" | cut -f1))  $(cat "$archive.sha256")"
if [ "$OS" = linux ] && [ "$EXTRA" = cpu ] && {  # the budget is for the Linux CPU build
     [ "$folder_bytes" -ge 1000000000 ] || [ "$archive_bytes" -ge 450000000 ]; }; then
    echo "over the size budget: folder under 1,000,000,000 bytes, archive under 450,000,000" >&2
    exit 1
fi
if [ "${CHECK_INSTALLED:-0}" = 1 ]; then
    bash scripts/check_installed.sh "dist/$NAME"
fi
