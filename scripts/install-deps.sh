#!/usr/bin/env bash
# Install what building, running and testing NekoHub needs on Debian, once: the C libraries
# and tools from apt, and the npm packages of the web app and the test suites with `npm ci`.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config git ca-certificates
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev
  libcurl4-openssl-dev libvips-dev libvips-tools libcmocka-dev libicu-dev sqlite3
  libseccomp-dev fonts-dejavu-core
  cppcheck postgresql chromium nginx-light wrk
)
# Tools that may come from other packagings (e.g. Node.js from NodeSource bundles npm, which
# then conflicts with Debian's npm package): installed only when the command is missing.
declare -A COMMAND_PACKAGES=([node]=nodejs [npm]=npm [psql]=postgresql-client)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
for command in "${!COMMAND_PACKAGES[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${COMMAND_PACKAGES[$command]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: one lock file per package folder; reinstall only when the lock changed.
for dir in web tests; do
  [ -f "$dir/package-lock.json" ] || continue
  stamp="$dir/node_modules/.nekohub-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    echo "install-deps: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
done
