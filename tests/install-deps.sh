#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs, from Debian 12's archive, whatever Saldo needs to build, test and
# run the demo and is not installed yet.  Run as root.  Installs nothing (and
# needs no network) when everything is already there.
set -eu

packages="
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev clang-format-14
  libglib2.0-dev libglib2.0-dev-bin libglib2.0-bin
  libmm-glib-dev modemmanager
  libqmi-glib-dev libqmi-utils libmbim-glib-dev libmbim-utils
  libjson-glib-dev libcurl4-openssl-dev libpolkit-gobject-1-dev
  libsqlite3-dev sqlite3
  dbus libxml2-utils systemd openssl valgrind
  python3 python3-gi gir1.2-glib-2.0 python3-dbusmock
  mobile-broadband-provider-info
  gettext locales scdoc man-db bash-completion zsh
  dunst xvfb xauth suckless-tools xdotool imagemagick desktop-file-utils
  prometheus prometheus-node-exporter
  libmosquitto-dev libssl-dev mosquitto mosquitto-clients python3-paho-mqtt
  network-manager
"

missing=""
for p in $packages; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "missing packages:$missing — run this as root to install them" >&2
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# NetworkManager is for the tests only, which run their own in namespaces of
# their own: on a machine that did not have it, it must not start managing
# the machine's network.  Installed apart, with its service neither started
# (policy-rc.d) nor enabled.
case " $missing " in
  *" network-manager "*)
    missing=$(echo "$missing" | sed 's/ network-manager//')
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
      trap 'rm -f "$policy"' EXIT
    fi
    apt-get install -y -q --no-install-recommends network-manager
    if [ -d /run/systemd/system ]; then
      systemctl disable NetworkManager.service NetworkManager-wait-online.service \
        NetworkManager-dispatcher.service >/dev/null 2>&1 || true
    fi
    echo "network-manager installed for the tests; its service is left disabled"
    ;;
esac
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing
fi
