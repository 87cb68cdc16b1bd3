#!/usr/bin/env bash
# The .deb as a user meets it: install, run offline as an ordinary user, open from the menu entry, remove.
#   bash scripts/check_deb.sh [dist/deepfake-inspector_*.deb]   # as root (apt-get, dpkg, unshare)
#   STARTUP_BENCH=1 ...   # also bench/startup_time.py on the installed app (5 runs, about a minute)
# 1. clean state: the package is purged first and /opt/deepfake-inspector must not exist;
# 2. apt-get install ./file.deb (apt pulls in the Depends);
# 3. the installed desktop entry and AppStream file validate, the icon is there in every size, the
#    video types are in the MIME cache;
# 4. --self-test through /usr/bin/deepfake-inspector as "nobody" in a fresh HOME with no network
#    (unshare -n: a namespace with only a down loopback);
# 5. the window from the .desktop entry's Exec line (%f = the demo clip), as "nobody", no network,
#    under Xvfb: with DFI_STARTUP_PROBE=1 until painted and models loaded, then once more for a
#    screenshot (dist/deb-window.png);
# 6. apt-get remove: no file of the package, nor /opt/deepfake-inspector, remains (a stray file put
#    in the app folder goes too); the user's own folders stay; apt-get purge: dpkg forgets the package.
set -euo pipefail
cd "$(dirname "$0")/.."
DEB=${1:-$(ls dist/deepfake-inspector_*.deb | tail -1)}
PKG=deepfake-inspector
ID=org.deepfakeinspector.DeepfakeInspector
[ "$(id -u)" = 0 ] || { echo "run as root (apt-get install, unshare -n)" >&2; exit 1; }
DEB=$(realpath "$DEB")
work=$(mktemp -d)
chmod 755 "$work"
xvfb_pid=
app_pid=
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
    if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "ok installed"; then  # a failed run
        echo "purging $PKG after the failure"; DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PKG" >/dev/null
    fi
}
trap cleanup EXIT
user_home="$work/home"
mkdir -p "$user_home"
chown nobody:nogroup "$user_home"
# an ordinary user with no network: a fresh network namespace, then root's rights dropped
as_user=(unshare -n setpriv --reuid=nobody --regid=nogroup --clear-groups --
         env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$user_home" LANG=C.UTF-8)

echo "== 1. clean state"
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
    apt-get purge -y -q "$PKG"
fi
[ ! -e /opt/$PKG ] || { echo "FAIL: /opt/$PKG exists before install"; exit 1; }

echo "== 2. apt-get install $DEB"
start=$(date +%s.%N)
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$DEB"
echo "installed in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s"
dpkg-query -W -f='${Package} ${Version} ${Installed-Size} KiB\nDepends: ${Depends}\n' "$PKG"
echo "installed folder: $(du -sb /opt/$PKG | cut -f1) bytes ($(du -sh /opt/$PKG | cut -f1))"
dpkg -L "$PKG" > "$work/files.txt"

echo "== 3. desktop integration"
desktop=/usr/share/applications/$ID.desktop
desktop-file-validate "$desktop"
appstreamcli validate --no-net "/usr/share/metainfo/$ID.metainfo.xml"
for s in 16 22 24 32 48 64 128 256 512; do
    f=/usr/share/icons/hicolor/${s}x${s}/apps/$ID.png
    file "$f" | grep -q "$s x $s" || { echo "FAIL: icon $f"; exit 1; }
done
[ "$(command -v $PKG)" = /usr/bin/$PKG ] || { echo "FAIL: $PKG not on PATH"; exit 1; }
if [ -f /usr/share/applications/mimeinfo.cache ]; then  # written by desktop-file-utils' trigger
    grep -q "^video/mp4=.*$ID.desktop" /usr/share/applications/mimeinfo.cache \
        || { echo "FAIL: video/mp4 not associated"; exit 1; }
    echo "MIME cache: $(grep -c "$ID.desktop" /usr/share/applications/mimeinfo.cache) video types open with $ID.desktop"
fi

echo "== 4. --self-test as nobody, no network"
"${as_user[@]}" sh -c 'ip -o link 2>/dev/null | cut -d" " -f2 | tr "\n" " "; echo "(network interfaces)"' || true
"${as_user[@]}" $PKG --self-test

echo "== 5. the window from the desktop entry's Exec line"
demo=/opt/$PKG/_internal/resources/demo/demo.mp4
exec_line=$(sed -n 's/^Exec=//p' "$desktop")
read -r -a cmd <<<"${exec_line//%f/$demo}"
echo "Exec=$exec_line -> ${cmd[*]}"
display=:95
Xvfb $display -screen 0 1600x1000x24 -nolisten tcp 2>/dev/null & xvfb_pid=$!
sleep 1
out=$(timeout 180 "${as_user[@]}" DISPLAY=$display DFI_STARTUP_PROBE=1 "${cmd[@]}" 2>"$work/window.err" \
      | grep startup-probe || true)
echo "$out"
grep -q painted <<<"$out" && grep -q models-ready <<<"$out" \
    || { cat "$work/window.err"; echo "FAIL: the window did not come up with its models"; exit 1; }
"${as_user[@]}" DISPLAY=$display "${cmd[@]}" 2>/dev/null & app_pid=$!
main_window() {  # the top-level window with the app's title (Qt's 1x1 group leader aside)
    xwininfo -display $display -root -tree | grep 'Deepfake Inspector' | grep -v ' 1x1+' || true
}
for _ in $(seq 60); do  # until the window is mapped
    [ -n "$(main_window)" ] && break
    sleep 1
done
sleep 12  # models loaded (the probe run above shows how long that takes) and the clip's first frame shown
[ -n "$(main_window)" ] || { echo "FAIL: no window titled Deepfake Inspector"; exit 1; }
echo "window: $(main_window | head -1 | sed 's/^ *//')"
mkdir -p dist
import -display $display -window root dist/deb-window.png
echo "screenshot: dist/deb-window.png"
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=
kill "$xvfb_pid"; xvfb_pid=
echo "user folders written: $(cd "$user_home" && find . -mindepth 1 -maxdepth 3 -type d -name DeepfakeInspector | sort | tr '\n' ' ')"

if [ "${STARTUP_BENCH:-0}" = 1 ]; then
    echo "== start-up of the installed app (bench/startup_time.py)"
    python3 bench/startup_time.py --installed
fi

echo "== 6. remove and purge"
touch /opt/$PKG/_internal/stray-file-from-a-root-run  # what dpkg does not know of goes too (postrm)
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "$PKG"
left=0
while read -r f; do
    if [ -e "$f" ] && [ ! -d "$f" ]; then echo "left behind: $f"; left=1; fi
done < "$work/files.txt"
[ -e /opt/$PKG ] && { echo "left behind: /opt/$PKG"; left=1; }
grep -q "$ID" /usr/share/applications/mimeinfo.cache 2>/dev/null && { echo "left in the MIME cache"; left=1; }
[ "$left" = 0 ] || { echo "FAIL: files remain after remove"; exit 1; }
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PKG"
if dpkg-query -W -f='${Status}\n' "$PKG" 2>/dev/null | grep -qv "not-installed"; then
    dpkg-query -W -f='${Status}\n' "$PKG"; echo "FAIL: dpkg still knows $PKG"; exit 1
fi
[ -d "$user_home/.local/share/DeepfakeInspector" ] || { echo "FAIL: the user's data folder went"; exit 1; }
echo "removed: none of its $(grep -c . "$work/files.txt") paths' files remain; the user's folders stay"
echo "deb check passed: installs, self-test offline as nobody, window from the desktop entry, removes cleanly"
