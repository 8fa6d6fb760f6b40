#!/bin/sh
# A `git` for checkpoints.test.ts, first on PATH: runs the real git ($CKPT_REAL_GIT), except that a
# `git checkout-index` (the step of a rollback that writes files back, after it has deleted what
# the task added) is held while $CKPT_GIT_HOLD names a file: its pid goes there and it sleeps, so
# a test can kill the orchestrator with the work tree half restored, as a slow disk would leave it.
for arg in "$@"; do
  if [ "$arg" = checkout-index ] && [ -n "$CKPT_GIT_HOLD" ]; then
    echo $$ > "$CKPT_GIT_HOLD.tmp" && mv "$CKPT_GIT_HOLD.tmp" "$CKPT_GIT_HOLD"
    exec sleep 600
  fi
done
exec "$CKPT_REAL_GIT" "$@"
