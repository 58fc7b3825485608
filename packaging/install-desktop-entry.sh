#!/usr/bin/env bash
# Add WebGen Studio to the desktop's application menu, for the current user only.
#   install-desktop-entry.sh [WEBGEN]        install (WEBGEN: the webgen program to launch)
#   install-desktop-entry.sh --uninstall     remove what the install added
# Installs webgen-studio.desktop into $XDG_DATA_HOME/applications (~/.local/share by default),
# with Exec and TryExec pointing at WEBGEN's absolute path, and the icons into
# $XDG_DATA_HOME/icons/hicolor/<size>x<size>/apps (and scalable/apps for the SVG).
# WEBGEN defaults to the `webgen` next to this script (a bundle made by packaging/build.py),
# else the one on PATH. The entry and icons are read from $WEBGEN_RESOURCES, else from this
# script's folder (a bundle), else from ../resources (a source checkout).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=webgen-studio
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
APPS=$DATA/applications
ICONS=$DATA/icons/hicolor

say() { printf 'install-desktop-entry: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

find_resources() {
  local dir
  for dir in ${WEBGEN_RESOURCES:-} "$HERE" "$HERE/../resources"; do
    if [ -f "$dir/$NAME.desktop" ] && [ -d "$dir/icons" ]; then
      (cd "$dir" && pwd); return 0
    fi
  done
  return 1
}

refresh_caches() {
  # Best effort: menus pick new entries up without these too, only later.
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$APPS" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -d "$ICONS" ]; then
    gtk-update-icon-cache -q -f -t "$ICONS" 2>/dev/null || true
  fi
}

exec_value() {
  # The Exec key's program, quoted as the desktop entry spec requires when it has reserved
  # characters (the few that would need escapes inside the quotes are refused instead).
  local program=$1
  case "$program" in
    *[\"\`\$\\]*) die "cannot write a launcher for $program: rename its folder without \" \` \$ or \\" ;;
    *[[:space:]\'\<\>~\|\&\;\*\?#\(\)]*) printf '"%s"' "$program" ;;
    *) printf '%s' "$program" ;;
  esac
}

sed_escape() { printf '%s' "$1" | sed -e 's/[|&\\]/\\&/g'; }

install_entry() {
  local webgen=$1 resources program size png
  resources=$(find_resources) ||
    die "no $NAME.desktop with icons/ next to it (looked in ${WEBGEN_RESOURCES:+$WEBGEN_RESOURCES, }$HERE, $HERE/../resources); set WEBGEN_RESOURCES"
  [ -f "$webgen" ] && [ -x "$webgen" ] ||
    die "$webgen is not an executable program; pass the path of webgen (e.g. dist/webgen/webgen)"
  webgen=$(cd "$(dirname "$webgen")" && pwd)/$(basename "$webgen")
  case "$webgen" in *$'\n'*) die "the path of webgen has a line break: move it elsewhere" ;; esac
  program=$(exec_value "$webgen")
  mkdir -p "$APPS"
  sed -e "s|^Exec=webgen |Exec=$(sed_escape "$program") |" \
    -e "s|^TryExec=webgen\$|TryExec=$(sed_escape "$webgen")|" \
    "$resources/$NAME.desktop" >"$APPS/$NAME.desktop.tmp"
  mv "$APPS/$NAME.desktop.tmp" "$APPS/$NAME.desktop"
  for png in "$resources"/icons/"$NAME"-*.png; do
    size=${png##*-}; size=${size%.png}
    mkdir -p "$ICONS/${size}x${size}/apps"
    cp "$png" "$ICONS/${size}x${size}/apps/$NAME.png"
  done
  if [ -f "$resources/icons/$NAME.svg" ]; then
    mkdir -p "$ICONS/scalable/apps"
    cp "$resources/icons/$NAME.svg" "$ICONS/scalable/apps/$NAME.svg"
  fi
  refresh_caches
  say "installed $APPS/$NAME.desktop (runs $webgen) and its icons under $ICONS"
}

uninstall_entry() {
  local icon
  rm -f "$APPS/$NAME.desktop"
  for icon in "$ICONS"/*/apps/"$NAME".png "$ICONS"/*/apps/"$NAME".svg; do
    [ -e "$icon" ] && rm -f "$icon"
  done
  refresh_caches
  say "removed $APPS/$NAME.desktop and its icons"
}

default_webgen() {
  if [ -x "$HERE/webgen" ] && [ -f "$HERE/webgen" ]; then
    echo "$HERE/webgen"
  else
    command -v webgen || die "no webgen next to this script or on PATH; pass its path"
  fi
}

case "${1:-}" in
  --uninstall) uninstall_entry ;;
  -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' ;;
  -*) die "unknown option $1 (use --uninstall, or give the webgen program)" ;;
  "") install_entry "$(default_webgen)" ;;
  *) install_entry "$1" ;;
esac
