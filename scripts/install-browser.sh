#!/usr/bin/env bash
# Install Debian's headless Chromium and a CJK font for the campaign board's browser test.
# Playwright drives /usr/bin/chromium through executable_path: no browser is
# ever downloaded. Idempotent: installs only what is missing. Needs root (CI runs as root) or sudo.
set -euo pipefail

missing=()
if [ -x /usr/bin/chromium ]; then
    echo "install-browser: chromium found ($(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium))"
else
    echo "install-browser: chromium missing"
    missing+=(chromium)
fi
if [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    echo "install-browser: fonts-wqy-microhei found"
else
    echo "install-browser: fonts-wqy-microhei missing (Chinese would render as boxes)"
    missing+=(fonts-wqy-microhei)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-browser: nothing to install"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-browser: apt-get update"
$SUDO apt-get update -qq
echo "install-browser: apt-get install -y --no-install-recommends ${missing[*]}"
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-browser: done"
