#!/usr/bin/env bash
# Installs wrenchdesk on a Debian 12 or Ubuntu 24.04 box, or upgrades it in place: run it
# again with a newer binary. Run as root.
#
#   install.sh [--addr 0.0.0.0:8080] [--binary FILE] [--kiosk USER [--board] [--url URL]
#              [--board-url URL]] [--no-start] [--root DIR]
#   install.sh --uninstall [--root DIR]
#
# What it does (every step is safe to repeat):
#   - the system user `wrenchdesk`; the binary in /usr/local/bin (a release build next to this
#     script, `--binary FILE`, or built with cargo when the source is there);
#   - data in /var/lib/wrenchdesk, backups in /var/lib/wrenchdesk/backups, settings in
#     /etc/wrenchdesk/wrenchdesk.env (written once, kept on every upgrade);
#   - the first administrator, whose password is printed once at the end;
#   - a hardened systemd service, enabled and started (restarted on failure);
#   - with `--kiosk USER`: Chromium full screen on this box's screen at boot, for USER (console
#     autologin and a minimal X session, no desktop), the screen never blanks, Chromium comes back
#     if it crashes; it opens the reception page, or with `--board` the shop-floor board.
# `--uninstall` removes the service, the binary and the kiosk session; the data, the backups and
# the settings stay.
#
# `--root DIR` installs into DIR as if it were `/` and touches nothing outside it: no user is
# created, no package installed, no service started, and the paths written into the files are
# under DIR. The tests use it; a real install leaves it unset.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=""
addr="0.0.0.0:8080"
binary=""
kiosk_user=""
board=0
kiosk_url=""
board_url=""
uninstall=0
start=1

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --addr) addr=${2:?--addr needs an address}; shift 2 ;;
    --binary) binary=${2:?--binary needs a file}; shift 2 ;;
    --kiosk) kiosk_user=${2:?--kiosk needs a user name}; shift 2 ;;
    --board) board=1; shift ;;
    --url) kiosk_url=${2:?--url needs an address}; shift 2 ;;
    --board-url) board_url=${2:?--board-url needs an address}; shift 2 ;;
    --no-start) start=0; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

if [ -n "$root" ]; then
  mkdir -p "$root"
  root=$(cd "$root" && pwd)
  start=0
else
  [ "$(id -u)" -eq 0 ] || die "run it as root (sudo $0 $*)"
fi
if [ "$board" -eq 1 ] && [ -z "$kiosk_user" ]; then
  die "--board needs --kiosk USER: the user whose screen shows the board"
fi
if [ -n "$kiosk_user" ] && ! [[ "$kiosk_user" =~ ^[a-z_][a-z0-9_-]*$ ]]; then
  die "$kiosk_user is not a valid user name"
fi

# Where things go, as the running system sees them (under --root, inside DIR).
bin="$root/usr/local/bin/wrenchdesk"
kiosk_bin="$root/usr/local/bin/wrenchdesk-kiosk"
etc="$root/etc/wrenchdesk"
env_file="$etc/wrenchdesk.env"
data="$root/var/lib/wrenchdesk"
backups="$data/backups"
unit="$root/etc/systemd/system/wrenchdesk.service"
autologin="$root/etc/systemd/system/getty@tty1.service.d/wrenchdesk-kiosk.conf"
service_user=wrenchdesk
real() { [ -z "$root" ]; }

if [ "$uninstall" -eq 1 ]; then
  if real && command -v systemctl >/dev/null; then
    systemctl disable --now wrenchdesk.service 2>/dev/null || true
  fi
  rm -f "$unit" "$bin" "$kiosk_bin" "$autologin"
  rmdir "$(dirname "$autologin")" 2>/dev/null || true
  if real && command -v systemctl >/dev/null; then
    systemctl daemon-reload
  fi
  say "wrenchdesk is uninstalled; the data ($data), its backups and the settings ($env_file) are kept"
  [ -z "$kiosk_user" ] || say "the kiosk user $kiosk_user and its files are kept"
  exit 0
fi

# The binary: --binary, a release build next to this script, or built here from the source.
if [ -z "$binary" ]; then
  if [ -x "$script_dir/wrenchdesk" ]; then
    binary="$script_dir/wrenchdesk"
  elif [ -f "$script_dir/../Cargo.toml" ]; then
    command -v cargo >/dev/null || die "no wrenchdesk binary next to this script and no cargo to build one"
    say "building wrenchdesk (cargo build --release)"
    (cd "$script_dir/.." && cargo build --release --locked --bin wrenchdesk)
    binary="$script_dir/../target/release/wrenchdesk"
  else
    die "no wrenchdesk binary next to this script (or give --binary FILE)"
  fi
fi
[ -x "$binary" ] || die "$binary is not an executable"
new_version=$("$binary" --version) || die "$binary does not run on this box"

if real; then
  if [ -n "$kiosk_user" ] && command -v apt-get >/dev/null; then
    say "installing the kiosk's packages"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      chromium xserver-xorg-core xserver-xorg-input-libinput xinit x11-xserver-utils fonts-noto-cjk
  fi
  if ! id -u "$service_user" >/dev/null 2>&1; then
    say "creating the system user $service_user"
    useradd --system --user-group --home-dir /var/lib/wrenchdesk --no-create-home \
      --shell /usr/sbin/nologin --comment "wrenchdesk service" "$service_user"
  fi
fi

mkdir -p "$(dirname "$bin")" "$etc" "$data" "$backups" "$(dirname "$unit")"
chmod 0750 "$data" "$backups"
if real; then
  chown "$service_user:$service_user" "$data" "$backups"
fi

# Settings: written on the first install only; an upgrade keeps what the shop changed.
if [ -f "$env_file" ]; then
  say "keeping the settings in $env_file"
else
  say "writing the settings to $env_file"
  cat >"$env_file.new" <<EOF
# wrenchdesk settings, read by the wrenchdesk service at start (systemctl restart wrenchdesk
# after a change). An upgrade keeps this file. Every option of \`wrenchdesk serve\` can be set
# here as WRENCHDESK_<OPTION>.
WRENCHDESK_ADDR=$addr
WRENCHDESK_DATA=$data
WRENCHDESK_BACKUPS=$backups
WRENCHDESK_DAILY_BACKUPS=true
RUST_LOG=info
EOF
  mv "$env_file.new" "$env_file"
fi
chmod 0640 "$env_file"
# The address the shop may have changed since.
addr=$(sed -n 's/^WRENCHDESK_ADDR=//p' "$env_file" | tail -n 1)
addr=${addr:-0.0.0.0:8080}
if real; then
  chown "root:$service_user" "$env_file"
fi

# The service stops while its binary is replaced; an upgrade says which version replaced which.
old_version=""
if [ -x "$bin" ]; then
  old_version=$("$bin" --version 2>/dev/null || echo "an unknown version")
fi
was_running=0
if real && command -v systemctl >/dev/null && systemctl is-active --quiet wrenchdesk.service; then
  was_running=1
  say "stopping the running service"
  systemctl stop wrenchdesk.service
fi
install -m 0755 "$binary" "$bin.new"
mv -f "$bin.new" "$bin"
if [ -n "$old_version" ]; then
  say "upgraded: $new_version replaced $old_version"
else
  say "installed $new_version in $bin"
fi

cat >"$unit" <<EOF
[Unit]
Description=wrenchdesk, the shop's back office
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$service_user
Group=$service_user
EnvironmentFile=$env_file
ExecStart=$bin serve
WorkingDirectory=$data
Restart=on-failure
RestartSec=2
TimeoutStopSec=60
UMask=0027
LimitNOFILE=65536
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$data
PrivateTmp=yes
ProtectHome=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
CapabilityBoundingSet=
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
EOF
chmod 0644 "$unit"

# The first administrator, made before the first start so its password can be shown here, once.
# Data already set up (an upgrade) prints nothing.
init_cmd=(env RUST_LOG=warn "$bin" init --data "$data" --backups "$backups")
if real; then
  init_out=$(runuser -u "$service_user" -- "${init_cmd[@]}")
else
  init_out=$("${init_cmd[@]}")
fi
admin_password=$(sed -n 's/^initial admin password: //p' <<<"$init_out")

if [ -n "$kiosk_user" ]; then
  port=${addr##*:}
  [ "$port" != "0" ] || port=8080
  url=${kiosk_url:-http://127.0.0.1:$port/lookup}
  if [ "$board" -eq 1 ]; then
    url=${board_url:-http://127.0.0.1:$port/board}
  fi
  home="$root/home/$kiosk_user"
  if real; then
    if ! id -u "$kiosk_user" >/dev/null 2>&1; then
      say "creating the kiosk user $kiosk_user"
      useradd --create-home --shell /bin/bash --comment "wrenchdesk kiosk" "$kiosk_user"
    fi
    home=$(getent passwd "$kiosk_user" | cut -d: -f6)
  fi
  mkdir -p "$home" "$(dirname "$autologin")"
  cp "$script_dir/start-kiosk.sh" "$kiosk_bin.new"
  chmod 0755 "$kiosk_bin.new"
  mv -f "$kiosk_bin.new" "$kiosk_bin"
  # Console autologin on the first terminal; its login shell starts X, X runs only the kiosk.
  cat >"$autologin" <<EOF
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin $kiosk_user --noclear %I \$TERM
EOF
  cat >"$home/.xinitrc" <<EOF
#!/bin/sh
# Written by wrenchdesk's install.sh: the whole session is the kiosk.
exec env WRENCHDESK_URL=$url WRENCHDESK_KIOSK_LOOP=1 $kiosk_bin
EOF
  chmod 0644 "$home/.xinitrc"
  profile="$home/.bash_profile"
  marker="# wrenchdesk kiosk"
  if ! grep -qs "$marker" "$profile"; then
    cat >>"$profile" <<EOF
$marker: the first terminal's autologin starts the kiosk's X session.
if [ -z "\${DISPLAY:-}" ] && [ "\$(tty)" = /dev/tty1 ]; then exec startx -- -nocursor; fi
EOF
  fi
  if real; then
    chown "$kiosk_user:" "$home/.xinitrc" "$profile"
  fi
  say "kiosk: $kiosk_user's screen opens $url at boot"
fi

if real && command -v systemctl >/dev/null; then
  systemctl daemon-reload
  if [ "$start" -eq 1 ]; then
    systemctl enable wrenchdesk.service >/dev/null 2>&1
    systemctl restart wrenchdesk.service
    say "the service is enabled and running (journalctl -u wrenchdesk to see its log)"
  else
    systemctl enable wrenchdesk.service >/dev/null 2>&1
    [ "$was_running" -eq 0 ] || say "the service was stopped for the upgrade and not started again (--no-start)"
  fi
fi

echo
host=${addr%:*}
case "$host" in
  0.0.0.0|"[::]") host=$(hostname -I 2>/dev/null | awk '{print $1}') ;;
esac
say "wrenchdesk is at http://${host:-this-box}:${addr##*:} (settings in $env_file)"
if [ -n "$admin_password" ]; then
  echo
  echo "initial admin password: $admin_password"
  echo "Sign in as admin with it; wrenchdesk asks for a password of your own first."
  echo "It is shown this once only."
fi
