#!/usr/bin/env bash
# The system packages the Linux installer build and its checks need (Debian/Ubuntu, as root):
#   bash scripts/install_build_deps.sh      # CI_INSTALLER=1 .ci/run runs it first
# - gcc, binutils: scripts/icu_trim.py compiles Qt's trimmed ICU data; the spec strips and reads ELF files;
# - the X libraries Qt's xcb and wayland platforms load: PyInstaller bundles the ones it finds here, and
#   scripts/deb_depends.py needs the rest installed to name their packages in the .deb's Depends;
# - dpkg-dev (dpkg-deb), desktop-file-utils, appstream: build and validate the .deb;
# - xvfb, x11-utils, imagemagick: the window under a virtual display, found and photographed;
# - shared-mime-info, hicolor-icon-theme: what a desktop has, whose dpkg triggers register the .deb's
#   video types and icons.
# Without apt-get or root it only says what is missing.
set -euo pipefail
PKGS=(gcc binutils file dpkg-dev desktop-file-utils appstream xvfb x11-utils imagemagick shared-mime-info
      hicolor-icon-theme util-linux
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
      libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1 libfontconfig1
      libdbus-1-3 libegl1 libgl1 libwayland-client0 libwayland-cursor0 libwayland-egl1)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
    echo "build dependencies: all installed"
    exit 0
fi
echo "build dependencies missing: ${missing[*]}"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install them (as root: apt-get install ${missing[*]})" >&2
    exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
