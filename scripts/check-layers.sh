#!/usr/bin/env bash
# Layer check: no file under src/ may include a header of a higher layer, or of another folder
# on its own layer. The order, lowest first (docs/architecture.md explains it):
#   core -> db, http -> storage, media -> media_worker (the helper binary), audit, jobs -> auth -> users, assets, system, providers, ai -> processing -> mcp, workflows -> app, routes -> main
# A new folder must be given a layer here before it can build into the tree.
set -euo pipefail
cd "$(dirname "$0")/.."

layer_of() {
  case "$1" in
    core) echo 0 ;;
    db | http) echo 1 ;;
    storage | media) echo 2 ;;
    media_worker) echo 3 ;; # the helper binary nekohub-media: nothing includes it
    audit | jobs) echo 3 ;; # jobs: the durable queue (SQL + worker threads), below every feature
    auth) echo 4 ;;
    users | assets | system | providers) echo 5 ;;
    ai) echo 5 ;; # AI provider profiles and the vision client: processing reaches it through app.c's hook
    processing) echo 6 ;; # skills run on assets: above the assets feature it works on
    mcp) echo 7 ;; # the MCP server: a facade over the features' services
    workflows) echo 7 ;; # workflow profiles: run skills through processing
    app) echo 8 ;;
    main) echo 9 ;;
    *) echo "" ;;
  esac
}

# The unit a path belongs to: its folder under src/, or for top-level files their base name
# (app.c/app.h and routes.c/routes.h are one unit: the server context and its route table).
unit_of() {
  local path="${1#src/}"
  if [[ "$path" == */* ]]; then
    echo "${path%%/*}"
    return
  fi
  path="${path%.*}"
  [ "$path" = routes ] && path=app
  echo "$path"
}

problems=0
while IFS= read -r file; do
  from=$(unit_of "$file")
  from_layer=$(layer_of "$from")
  if [ -z "$from_layer" ]; then
    echo "check-layers: $file: folder '$from' has no layer (add it to scripts/check-layers.sh)" >&2
    problems=$((problems + 1))
    continue
  fi
  while IFS= read -r included; do
    to=$(unit_of "src/$included")
    [ "$to" = "$from" ] && continue
    to_layer=$(layer_of "$to")
    if [ -z "$to_layer" ]; then
      echo "check-layers: $file includes \"$included\": '$to' has no layer" >&2
      problems=$((problems + 1))
    elif [ "$to_layer" -ge "$from_layer" ]; then
      echo "check-layers: $file ($from, layer $from_layer) includes \"$included\" ($to, layer $to_layer)" >&2
      problems=$((problems + 1))
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done < <(find src -name '*.[ch]' | sort)

if [ "$problems" -gt 0 ]; then
  echo "check-layers: $problems include(s) run against the layer order" >&2
  exit 1
fi
echo "check-layers: clean"
