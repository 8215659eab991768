#!/usr/bin/env bash
# Install the real services the tests start for themselves: PostgreSQL 15 server binaries,
# Samba (smbd, pdbedit, smbpasswd) and smbclient, Redis, Chromium with a CJK font, and LibreOffice
# Calc with poppler-utils (files saved the way a person's Calc saves them; reports printed to PDF),
# and Dovecot's IMAP server (a campaign mailbox on loopback).
# Idempotent: installs only what is missing, and says what it checked and what it did.
# Needs root (CI runs as root) or sudo.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
missing=()

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

if [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/postgres" ]; then
    echo "install-services: PostgreSQL 15 server binaries found in $PG_BIN"
else
    echo "install-services: PostgreSQL 15 server binaries missing in $PG_BIN"
    missing+=(postgresql-15)
fi
if have smbd && have smbpasswd; then
    echo "install-services: samba found ($(command -v smbd || echo /usr/sbin/smbd))"
else
    echo "install-services: samba (smbd, smbpasswd) missing"
    missing+=(samba)
fi
if have smbclient; then
    echo "install-services: smbclient found"
else
    echo "install-services: smbclient missing"
    missing+=(smbclient)
fi

if have redis-server; then
    echo "install-services: redis-server found"
else
    echo "install-services: redis-server missing (Celery broker for the scale-out test)"
    missing+=(redis-server)
fi
if [ -x /usr/bin/chromium ] && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    echo "install-services: chromium and fonts-wqy-microhei found"
else
    echo "install-services: chromium or fonts-wqy-microhei missing (campaign board browser test)"
    missing+=(chromium fonts-wqy-microhei)
fi

if [ -x /usr/bin/soffice ] && command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then
    echo "install-services: LibreOffice Calc and poppler-utils found"
else
    echo "install-services: LibreOffice Calc or poppler-utils missing (files saved by Calc, reports printed to PDF)"
    missing+=(libreoffice-calc-nogui poppler-utils)
fi
if [ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ]; then
    echo "install-services: dovecot-imapd found"
else
    echo "install-services: dovecot-imapd missing (the campaign mailbox's IMAP server in tests)"
    missing+=(dovecot-imapd)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-services: nothing to install"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-services: apt-get update"
$SUDO apt-get update -qq
echo "install-services: apt-get install -y --no-install-recommends ${missing[*]}"
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The packages may start system-wide daemons on the standard ports (445, 5432, 143/993); they do not
# get in the way: the tests start private instances on their own ports.
echo "install-services: done"
