#!/usr/bin/env bash
# Start Chromium full-screen on the wrenchdesk box's address, with a throw-away profile.
#
# WRENCHDESK_URL: the page to open (default the reception page on this box).
# WRENCHDESK_KIOSK_LOOP=1 (the installer's kiosk session sets it): the screen never blanks, the
# page opens once the server answers, and Chromium is started again whenever it exits or crashes.
set -euo pipefail
url=${WRENCHDESK_URL:-http://127.0.0.1:8080/lookup}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

chromium_once() {
  rm -rf "${profile:?}"/*
  chromium --kiosk --no-first-run --disable-translate --disable-pinch --overscroll-history-navigation=0 \
    --disable-background-networking --disable-sync --disable-component-update --noerrdialogs \
    --disable-session-crashed-bubble --check-for-update-interval=31536000 \
    --user-data-dir="$profile" "$url"
}

if [ "${WRENCHDESK_KIOSK_LOOP:-0}" != 1 ]; then
  chromium_once
  exit
fi

if command -v xset >/dev/null; then
  xset s off s noblank -dpms || true
fi
# Wait for the server (it may still be starting at boot): its host and port from the URL.
hostport=${url#*://}
hostport=${hostport%%/*}
host=${hostport%:*}
port=${hostport##*:}
[ "$port" != "$hostport" ] || port=80
for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then break; fi
  sleep 1
done
while true; do
  chromium_once || true
  sleep 2
done
