#!/usr/bin/env bash
# Build the console and gallery (web/) into web/dist with Vite, when the sources changed.
set -euo pipefail
cd "$(dirname "$0")/../web" 2>/dev/null || exit 0
[ -f package.json ] || exit 0
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
newest_source=$(find src index.html package.json vite.config.* -type f -newer dist/index.html 2>/dev/null | head -1 || true)
if [ ! -f dist/index.html ] || [ -n "$newest_source" ]; then
  npm run --silent build
fi
