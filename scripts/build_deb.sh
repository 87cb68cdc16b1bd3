#!/usr/bin/env bash
# Pack the built one-folder app as a Debian package with desktop integration (Debian/Ubuntu, amd64):
#   bash scripts/build_deb.sh [dist/DeepfakeInspector]   # -> dist/deepfake-inspector_VERSION_ARCH.deb
# scripts/build_installer.sh runs this after the build when dpkg-deb is there (DEB=0 skips it).
# The package holds
#   /opt/deepfake-inspector/                         the app (the one-folder build, unchanged)
#   /usr/bin/deepfake-inspector                      launcher (packaging/linux/deepfake-inspector)
#   /usr/share/applications/$ID.desktop              menu entry, "Open with" for video types
#   /usr/share/icons/hicolor/NxN/apps/$ID.png        the icon, 16-512 px, rendered from gui/icons.py
#   /usr/share/metainfo/$ID.metainfo.xml             AppStream metadata (software centres)
# Depends: the system packages owning the libraries the bundle links to outside itself, found with ldd
# (scripts/deb_depends.py). The menu, icon and MIME caches are refreshed by the dpkg triggers of
# desktop-file-utils, hicolor-icon-theme and shared-mime-info; the only maintainer script is postrm,
# which removes the app folder whole (the users' own folders stay: see README "Installer").
# PYTHON (default build/venv/bin/python) must have PySide6, to render the icon. DEB_COMPRESS: dpkg-deb's
# compressor (default xz; gzip builds faster and is about 20% larger).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-dist/DeepfakeInspector}
PYTHON=${PYTHON:-build/venv/bin/python}
ID=org.deepfakeinspector.DeepfakeInspector
PKG=deepfake-inspector
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)
DATE=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)  # the release date AppStream shows
[ -x "$SRC/DeepfakeInspector" ] || { echo "no built app in $SRC (run scripts/build_installer.sh)" >&2; exit 1; }

start=$(date +%s)
root=build/deb/root
rm -rf build/deb
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/metainfo" \
    "$root/usr/share/icons"
cp -al "$SRC" "$root/opt/$PKG" 2>/dev/null || cp -a "$SRC" "$root/opt/$PKG"  # hard links: no 1 GB copy
chmod -R u+rwX,go+rX,go-w "$root/opt/$PKG"
install -m 755 packaging/linux/deepfake-inspector "$root/usr/bin/$PKG"
install -m 644 "packaging/linux/$ID.desktop" "$root/usr/share/applications/$ID.desktop"
sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$DATE/" "packaging/linux/$ID.metainfo.xml" \
    > "$root/usr/share/metainfo/$ID.metainfo.xml"
QT_QPA_PLATFORM=offscreen "$PYTHON" scripts/render_icons.py build/deb/icons --name "$ID"
cp -r build/deb/icons/hicolor "$root/usr/share/icons/"
chmod -R u+rwX,go+rX,go-w "$root/usr"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$root/usr/share/applications/$ID.desktop"
fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$root/usr/share/metainfo/$ID.metainfo.xml"
fi
install -m 755 packaging/linux/postrm "$root/DEBIAN/postrm"

echo "== Depends (ldd over the bundle's ELF files)"
depends=$(python3 scripts/deb_depends.py "$SRC" --verbose)
echo "Depends: $depends"
installed_kib=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: ${DEB_MAINTAINER:-Deepfake Inspector maintainers <deepfake-inspector@localhost>}
Installed-Size: $installed_kib
Depends: $depends
Section: video
Priority: optional
Description: find manipulated faces in video, offline
 Deepfake Inspector is a desktop application for forensic analysts who look
 for manipulated faces in video. It plays a video with a timeline of
 per-frame fake probability under it, analyses the video with face detection
 and a detector model, and exports what it found with the file's hash and the
 model used. It runs offline; the detectors and pretrained backbones ship in
 the package. Command line: deepfake-inspector --help.
EOF
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)

mkdir -p dist
deb="dist/${PKG}_${VERSION}_${ARCH}.deb"
echo "== dpkg-deb (${DEB_COMPRESS:-xz})"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-xz}" --build "$root" "$deb"
(cd dist && sha256sum "$(basename "$deb")" > "$(basename "$deb").sha256")
rm -rf "$root"  # hard links into dist; the .deb has it all
deb_bytes=$(stat -c %s "$deb")
echo "== .deb packed in $(($(date +%s) - start)) s"
echo "deb: $deb_bytes bytes ($(du -sh "$deb" | cut -f1)), installed $((installed_kib * 1024)) bytes  $(cat "$deb.sha256")"
if [ "$ARCH" = amd64 ] && [ "$deb_bytes" -ge 450000000 ]; then
    echo "over the size budget: .deb under 450,000,000 bytes" >&2
    exit 1
fi
