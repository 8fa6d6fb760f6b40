# The orchestrator in a container: `docker compose up -d` (beside n8n, docker-compose.yml) or
# `docker build -t orchestrator . && docker run ...` (README "Deploying").
FROM node:20-slim

# git: checkpoints, diffs and rollbacks, and Claude's own git use. tini: PID 1 that reaps the
# zombies Claude's tools leave (node as PID 1 would not) and passes signals to node only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (a layer that changes only with the lock file). --omit=dev is enough: the
# build (bin/build-dist.js) compiles with tsx's esbuild, and the bin falls back to the sources
# through tsx; tsx is a dependency, not a devDependency. (prepare does nothing here: no bin/ yet.)
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The Claude Code CLI at the version package.json pins for development (a devDependency, so not
# in the npm ci above): read from package.json, so the two never drift apart. A native binary;
# its "node >= 22" engine field only warns on Node 20.
RUN npm install -g "@anthropic-ai/claude-code@$(node -p "require('./package.json').devDependencies['@anthropic-ai/claude-code']")" \
 && npm cache clean --force \
 && claude --version

COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./
COPY deploy/docker/config.yaml ./config.yaml
# Compiled JavaScript for a fast start (dist/, stamped with the sources it was built from).
RUN npm run build

# The volumes' mount points, owned by the user the service runs as (a new named volume takes
# this ownership). CLAUDE_CONFIG_DIR moves Claude's login, settings and .claude.json into one.
RUN mkdir -p /data/state /data/logs /data/tasks /data/daily_logs /data/results /data/feedback /data/claude /project \
 && chown -R node:node /data /project
ENV NODE_ENV=production \
    CLAUDE_CONFIG_DIR=/data/claude

# Not root: node (uid 1000), the image's own user; uid 1000 is also the first user on most
# hosts, so a bind-mounted project stays writable for both.
USER node

# state.json, .webhook-secret and learnings | logs | task files | daily logs | reports |
# feedback | Claude's login | the project Claude works in.
VOLUME ["/data/state", "/data/logs", "/data/tasks", "/data/daily_logs", "/data/results", "/data/feedback", "/data/claude", "/project"]

# The HTTP API (server.port). The image listens on 127.0.0.1 by default (HOST unset): reachable
# only from inside. Publishing it takes HOST=0.0.0.0 and then a WEBHOOK_SECRET of your own (the
# compose file refuses to start without one); without it a secret is generated into
# /data/state/.webhook-secret.
EXPOSE 5000

# /health with Node's fetch (no curl in -slim): healthy on 200, unhealthy on 503 (state cannot be
# saved, logs cannot be written) or no answer. PORT as the service reads it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]

# docker stop sends SIGTERM and SIGKILLs after 10 s by default: give it 30 s, as the systemd
# unit's TimeoutStopSec (docker stop -t 30; compose's stop_grace_period). The service's own
# stop deadline is claude.kill_grace + 10 s = 15 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/orchestrator.js", "serve"]
