#!/usr/bin/env bash
# Start Chromium full-screen on the wrenchdesk box's address, with a throw-away profile.
set -euo pipefail
url=${WRENCHDESK_URL:-http://127.0.0.1:8080}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
exec chromium --kiosk --no-first-run --disable-translate --disable-pinch --overscroll-history-navigation=0 \
  --disable-background-networking --disable-sync --disable-component-update \
  --user-data-dir="$profile" "$url"
