#!/usr/bin/env bash
# macOS: build the app and pack "Deepfake Inspector.app" in a .dmg. NOT BUILT OR TESTED on this project's
# machines (Linux only): the recipe for a maintainer on a Mac (macOS 12 or later, Xcode command line
# tools, Python 3.11 from python.org or Homebrew; the Mac's own architecture: arm64 or x86_64).
#   bash packaging/macos/build_dmg.sh        # -> dist/DeepfakeInspector-VERSION-macos-ARCH.dmg (+ .sha256)
#   SKIP_BUILD=1 ...                         # pack the .app the last build left in dist/
# Steps: scripts/build_installer.sh (clean venv with TensorFlow's macOS wheel, which is CPU-only; the icon
# from scripts/render_icons.py; PyInstaller; the -cli twin's --self-test; dist/Deepfake Inspector.app
# from pyinstaller.spec's BUNDLE), then the .app's self-test, then hdiutil makes a compressed disk image
# holding the .app and a link to /Applications (drag to install; drag to the bin to uninstall: the
# user's folders under ~/Library/Application Support/DeepfakeInspector, ~/Library/Caches/DeepfakeInspector
# and ~/Library/Logs/DeepfakeInspector stay).
# Not done: code signing and notarisation (needs an Apple Developer ID). Unsigned, Gatekeeper refuses a
# double-click on a downloaded copy: right-click > Open once, or sign it first:
#   codesign --deep --force --options runtime --sign "Developer ID Application: ..." "dist/Deepfake Inspector.app"
#   xcrun notarytool submit DMG --keychain-profile PROFILE --wait && xcrun stapler staple DMG
# The Linux size budget does not apply; the folder is larger (no stripping or ICU trimming on macOS).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "run this on macOS" >&2; exit 1; }
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
APP="dist/Deepfake Inspector.app"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    bash scripts/build_installer.sh
fi
[ -d "$APP" ] || { echo "no $APP: pyinstaller.spec's BUNDLE did not run" >&2; exit 1; }
echo "== self-test of the .app's command-line twin"
DFI_HOME=$(mktemp -d) "$APP/Contents/MacOS/DeepfakeInspector-cli" --self-test

stage=build/dmg
rm -rf "$stage"
mkdir -p "$stage"
cp -R "$APP" "$stage/"
ln -s /Applications "$stage/Applications"
dmg="dist/DeepfakeInspector-$VERSION-macos-$(uname -m).dmg"
rm -f "$dmg"
hdiutil create -volname "Deepfake Inspector $VERSION" -srcfolder "$stage" -ov -format UDZO "$dmg"
rm -rf "$stage"
(cd dist && shasum -a 256 "$(basename "$dmg")" > "$(basename "$dmg").sha256")
echo "dmg: $(stat -f %z "$dmg") bytes  $(cat "$dmg.sha256")"
echo "check by hand: open the .dmg, drag the app to Applications, open it (right-click > Open if unsigned),"
echo "open a video with Finder's Open With > Deepfake Inspector, then drag the app to the bin."
