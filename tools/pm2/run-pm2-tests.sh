#!/usr/bin/env bash
# `npm run test:pm2`: proves deploy/ecosystem.config.cjs under a real pm2 on this machine.
# pm2 is pinned in tools/pm2/package.json + package-lock.json (kept out of the app's
# dependencies) and installed here on first use: a few seconds and about 25 MB. Then the suite
# (test/real-pm2/) starts the ecosystem file in a pm2 daemon of its own (PM2_HOME in a temp
# folder: ~/.pm2 and a pm2 the person runs are never touched) with the fake claude, kills the
# orchestrator with kill -9, watches pm2 restart it, stops, deletes and kills it.
# Extra arguments go to jest (e.g. -t "kill -9").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
began=$(date +%s)

# Installed, completely (npm writes node_modules/.package-lock.json last), and the pinned version?
pinned=$(node -p "require('$here/package.json').dependencies.pm2")
installed=$(node -p "try { require('$here/node_modules/pm2/package.json').version } catch { '' }")
if [ ! -f "$here/node_modules/pm2/bin/pm2" ] || [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$installed" != "$pinned" ]; then
  echo "test:pm2: installing pm2 $pinned in tools/pm2 (first run: a few seconds)..."
  # npm ci: exactly the locked tree, and the tracked package-lock.json left as it is.
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  echo "test:pm2: pm2 installed in $(( $(date +%s) - began )) s."
fi
echo "test:pm2: pm2 $(node -p "require('$here/node_modules/pm2/package.json').version")"

# Every PM2_HOME (and project folder) the suite makes is under this folder. The suite ends its
# daemon itself; should jest die first, this trap still SIGKILLs whatever carries one of those
# PM2_HOMEs in its environment (pm2's daemon, its pm2 commands, the service under it and what the
# service's runs started all inherit it), then removes the folder.
root="$(mktemp -d "${TMPDIR:-/tmp}/orch-pm2-run-XXXXXX")"
sweep() {
  # Twice: a pm2 command caught mid-way may start its daemon again after the first pass.
  for pass in 1 2; do
    for environ in /proc/[0-9]*/environ; do
      # (Processes that end meanwhile, or are not ours to read, are skipped quietly.)
      if { tr '\0' '\n' < "$environ"; } 2>/dev/null | grep -qF "PM2_HOME=$root/"; then
        pid="${environ#/proc/}"
        kill -9 "${pid%/environ}" 2>/dev/null || true
      fi
    done
    sleep 0.2
  done
  rm -rf "$root"
}
trap sweep EXIT

cd "$repo"
status=0
# jest's own bin, not npx: one process, so when it dies the trap above runs at once.
ORCH_PM2_TEST_ROOT="$root" NODE_OPTIONS='--experimental-vm-modules --disable-warning=ExperimentalWarning' \
  node node_modules/jest/bin/jest.js --config tools/pm2/jest.config.mjs --runInBand "$@" || status=$?
echo "test:pm2: $([ $status -eq 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - began )) s."
exit $status
