#!/usr/bin/env bash
# Installs the Debian packages Enhance needs, only those missing (apt-get update once, then install).
set -euo pipefail
need=(libpng-dev libjpeg-dev libncurses-dev pkg-config tmux mandoc libimage-exiftool-perl icc-profiles-free
      # real-terminal graphics tests: kitty and xterm under Xvfb, screenshots, sixel decoder
      xvfb kitty xterm libsixel-bin imagemagick xdotool x11-utils libgl1-mesa-dri fonts-dejavu-core)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
