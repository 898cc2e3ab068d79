#!/usr/bin/env bash
# tests/install-no-start.sh PKG... -- installs the Debian packages that are missing,
# without starting their services: the tests start their own private copies
# (nsd, unbound, postfix, munged, slurmctld) on addresses and ports of their own,
# and a system copy started by the install could take port 25 or 53. Uses Debian's
# policy-rc.d (exit 101: "no service starts") for the install only, unless the
# machine already has one. Exit 0 when all are installed; apt-get's status if not.
set -euo pipefail
missing=()
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || { echo "install-no-start.sh: need root to install ${missing[*]}" >&2; exit 2; }
echo "installing ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# tests/install-no-start.sh: no service starts while it installs\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
