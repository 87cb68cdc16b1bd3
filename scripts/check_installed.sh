#!/usr/bin/env bash
# The built app installed read-only under a path with spaces and non-ASCII characters:
#   bash scripts/check_installed.sh [dist/DeepfakeInspector]
#   CHECK_INSTALLED=1 bash scripts/build_installer.sh   # the same, right after the build
# Copies the folder to "<tmp>/Prüfung Ordner/Deepfake Inspector", makes it read-only, and runs
#   1. --self-test with DFI_HOME set, under the C locale;
#   2. --self-test without DFI_HOME, HOME a fresh folder (the platform's user folders);
#   3. analyze of a clip in a folder with spaces and umlauts, its report written to another such folder;
#   4. the window (under Xvfb when there is no DISPLAY) until its models are loaded;
# then checks that nothing in the install folder changed. As root the app runs as "nobody",
# since root writes to read-only folders regardless.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-dist/DeepfakeInspector}
base=$(mktemp -d)
trap 'chmod -R u+w "$base"; rm -rf "$base"' EXIT
chmod 755 "$base"
install="$base/Prüfung Ordner/Deepfake Inspector"
mkdir -p "$(dirname "$install")" "$base/home ü" "$base/dfi home" "$base/Fälle 2024" "$base/Ergebnisse ä"
cp -a "$SRC" "$install"
cp resources/demo/demo.mp4 "$base/Fälle 2024/clip 1 ü.mp4"
chmod -R a-w "$install"
as_user=()
if [ "$(id -u)" = 0 ]; then
    chown -R nobody "$base/home ü" "$base/dfi home" "$base/Ergebnisse ä"
    as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
app="$install/DeepfakeInspector"
( cd "$install" && find . -type f -exec sha256sum {} + | sort ) > "$base/before.sha256"
clean_env=(env -u DFI_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME -u XDG_STATE_HOME -u XDG_CONFIG_HOME)

echo "== 1. self-test, DFI_HOME set, C locale, from $install"
"${clean_env[@]}" LC_ALL=C LANG=C HOME="$base/home ü" DFI_HOME="$base/dfi home" "${as_user[@]}" "$app" --self-test
echo "== 2. self-test, no DFI_HOME, HOME=$base/home ü"
"${clean_env[@]}" HOME="$base/home ü" "${as_user[@]}" "$app" --self-test
echo "== 3. analyze a clip under a path with spaces and umlauts"
"${clean_env[@]}" HOME="$base/home ü" "${as_user[@]}" "$app" analyze "$base/Fälle 2024/clip 1 ü.mp4" \
    --report "$base/Ergebnisse ä/bericht ü.html"
ls "$base/Ergebnisse ä"
echo "== 4. the window, until its models are loaded"
display=${DISPLAY:-}
xvfb_pid=
if [ -z "$display" ] && command -v Xvfb >/dev/null; then
    Xvfb :98 -screen 0 1600x1000x24 2>/dev/null & xvfb_pid=$!
    display=:98
    sleep 1
fi
if [ -n "$display" ]; then
    out=$("${clean_env[@]}" HOME="$base/home ü" DISPLAY="$display" DFI_STARTUP_PROBE=1 \
          timeout 120 "${as_user[@]}" "$app" 2>/dev/null | grep startup-probe || true)
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid"
    echo "$out"
    grep -q "models-ready" <<<"$out" || { echo "FAIL: the window did not load its models"; exit 1; }
else
    echo "skipped: no DISPLAY and no Xvfb"
fi
echo "== user folders written (HOME=$base/home ü)"
(cd "$base/home ü" && find . -maxdepth 3 | sort)
( cd "$install" && find . -type f -exec sha256sum {} + | sort ) > "$base/after.sha256"
if ! cmp -s "$base/before.sha256" "$base/after.sha256" || [ "$(find "$install" -newer "$base/before.sha256" | wc -l)" != 0 ]; then
    echo "FAIL: the install folder changed"; exit 1
fi
echo "installed-folder check passed: read-only, spaces and non-ASCII in the path, nothing written inside"
