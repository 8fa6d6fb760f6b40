#!/usr/bin/env bash
# `npm run test:n8n`: proves the workflows of n8n_workflows/ in a real n8n on this machine.
# n8n is pinned in tools/n8n/package.json (kept out of the app's dependencies) and installed here
# on first use: about 3-5 minutes and 2.3 GB. Then the suite (test/real-n8n/) runs it beside the
# real orchestrator and a fake Telegram Bot API, on 127.0.0.1 only, and stops every process.
# Extra arguments go to jest (e.g. -t "daily startup").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
began=$(date +%s)

# n8n 2.8.x needs Node >= 20.19 (newer n8n needs Node 24).
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "test:n8n: n8n 2.8 needs Node >= 20.19; this is $(node -v)." >&2
  exit 1
fi

# Installed, completely (npm writes node_modules/.package-lock.json last), and the pinned version?
pinned=$(node -p "require('$here/package.json').dependencies.n8n")
installed=$(node -p "try { require('$here/node_modules/n8n/package.json').version } catch { '' }")
if [ ! -x "$here/node_modules/.bin/n8n" ] || [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$installed" != "$pinned" ]; then
  echo "test:n8n: installing n8n $pinned in tools/n8n (first run: about 3 minutes and 2.3 GB)..."
  # Not `npm ci`: it rejects this lockfile (the registry lacks some platform builds, e.g. of
  # msgpackr-extract, so npm leaves them out of the lock). `npm install` honours the lock, but
  # would rewrite the tracked package-lock.json; --no-save keeps it byte for byte (a test run
  # leaves the work tree clean) while still installing the locked versions and writing
  # node_modules/.package-lock.json, which the check above relies on.
  (cd "$here" && npm install --no-save --no-audit --no-fund --loglevel=error)
  echo "test:n8n: n8n installed in $(( $(date +%s) - began )) s."
fi
echo "test:n8n: n8n $(node -p "require('$here/node_modules/n8n/package.json').version")"

cd "$repo"
status=0
NODE_OPTIONS='--experimental-vm-modules --disable-warning=ExperimentalWarning' \
  npx jest --config tools/n8n/jest.config.mjs --runInBand "$@" || status=$?
echo "test:n8n: $([ $status -eq 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - began )) s."
exit $status
