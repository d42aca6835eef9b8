#!/usr/bin/env bash
# Creates the four billing topics on the local cluster, idempotently (same as `npm run topics:create`).
# Exits 1, naming each difference, when a topic exists with other settings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec npx --no-install tsx local/topics/create-topics.ts "$@"
