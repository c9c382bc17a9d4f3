#!/bin/sh
# First command of the README: install what is missing (Debian 12, as root),
# build wsclosed, and analyse the bundled captures in pcaps/.
set -e
cd "$(dirname "$0")"
PKGS="build-essential autoconf automake pkg-config libpcap-dev libglib2.0-dev zlib1g-dev libdeflate-dev libssl-dev
      libsqlite3-dev libjson-glib-dev tshark tcpdump python3 jq
      python3-websockets parallel valgrind chromium iproute2 tcpreplay time gettext locales"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "== installing:$missing"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
# the node `ws` peers of the live tests (npm registry)
if [ ! -d pcaps/node/node_modules/ws ] && command -v npm >/dev/null; then
  echo "== installing the node peers (npm ci in pcaps/node)"
  (cd pcaps/node && npm ci --silent --no-audit --no-fund >/dev/null 2>&1) \
    || echo "note: npm ci failed; the node peer tests will be skipped"
fi
# Portuguese and Arabic locales, for the translated output and its tests
if [ "$(id -u)" -eq 0 ] && [ -f /etc/locale.gen ] && ! locale -a 2>/dev/null | grep -qi '^pt_BR.utf-\?8$'; then
  sed -i 's/^# *\(pt_BR.UTF-8 UTF-8\)/\1/; s/^# *\(ar_EG.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  locale-gen >/dev/null 2>&1 || true
fi
echo "== building"
[ -x configure ] || autoreconf -fi >/dev/null
[ -f Makefile ] || ./configure --quiet ${CONFIGURE_FLAGS:-}
make -s -j"$(nproc)"
echo "== analysing pcaps/"
for f in pcaps/*.pcap; do
  echo "--- $f"
  ./src/wsclosed -r "$f" || true
done
