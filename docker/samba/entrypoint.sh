#!/usr/bin/env bash
# Create the share user (uid = the Airflow user's, so collect can read what units upload) with
# the password from .env, then run smbd in the foreground.
set -euo pipefail

: "${SHARE_USER:?缺少 SHARE_USER（见 .env.example）}"
: "${SHARE_PASSWORD:?缺少 SHARE_PASSWORD（见 .env.example）}"
SHARE_UID="${SHARE_UID:-50000}"

getent group campaignops >/dev/null || groupadd --system campaignops
if ! id "$SHARE_USER" >/dev/null 2>&1; then
    useradd --no-create-home --shell /usr/sbin/nologin --uid "$SHARE_UID" --non-unique \
        --gid campaignops "$SHARE_USER"
fi
printf '%s\n%s\n' "$SHARE_PASSWORD" "$SHARE_PASSWORD" | smbpasswd -s -a "$SHARE_USER" >/dev/null
mkdir -p /share/dropzone
chown "$SHARE_UID":campaignops /share/dropzone
chmod 0775 /share/dropzone
exec smbd --foreground --no-process-group --debug-stdout
