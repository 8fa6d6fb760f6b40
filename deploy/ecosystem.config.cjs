// pm2 process file for `orchestrator serve`:  pm2 start deploy/ecosystem.config.cjs
// Then: pm2 logs orchestrator, pm2 save, pm2 startup (start at boot). See README "Deploying".
// CommonJS (.cjs) because pm2 require()s this file and the package is "type": "module".
const fs = require("node:fs");
const path = require("node:path");

// The install folder: this file lives in <install>/deploy/.
const installDir = path.resolve(__dirname, "..");
// The folder the service runs in, where it finds config.yaml, .env and (by default) state.json,
// orchestrator_logs/ and the task files: the install folder, unless ORCHESTRATOR_HOME is set in
// the environment of `pm2 start` (an install serving a project kept elsewhere; `npm run test:pm2`
// points it at a temp folder). Read at `pm2 start`/`pm2 reload`, like the .env check below.
const homeDir = process.env.ORCHESTRATOR_HOME ? path.resolve(process.env.ORCHESTRATOR_HOME) : installDir;
const envFile = path.join(homeDir, ".env");

// The orchestrator reads .env (beside config.yaml) itself for its own settings, but only as
// configuration: the process environment, which Claude inherits, does not get it. So the .env
// is also loaded into the environment with Node's own --env-file (Node >= 20.6; this package
// needs 20.11), the way systemd's EnvironmentFile= does: that is how ANTHROPIC_API_KEY or
// CLAUDE_CODE_OAUTH_TOKEN in .env reaches Claude. Node 20 refuses to start ("not found", exit 9)
// when the --env-file is missing (--env-file-if-exists is Node 22.9+), hence the check; it is
// made at `pm2 start`/`pm2 reload`, so create .env before starting. pm2's own `env:` block and
// the shell's environment at `pm2 start` work too (`pm2 restart --update-env` after a change),
// and win over the file: a variable set there, even empty, hides its .env line from Node.
const envFileArgs = fs.existsSync(envFile) ? [`--env-file=${envFile}`] : [];

// Same as the systemd unit's ExecStart and the Dockerfile's CMD (test/deploy/ checks it).
const COMMAND = ["node", "bin/orchestrator.js", "serve"];
// The bin is relative to the install folder: from another home, it is named by its absolute path.
const bin = homeDir === installDir ? COMMAND[1] : path.join(installDir, COMMAND[1]);

// pm2 waits kill_timeout after its stop signal before SIGKILL. The service's own stop deadline
// is claude.kill_grace + 10 s (15 s by default, src/cli/stop-deadline.ts); 30 s, like the unit's
// TimeoutStopSec, leaves a kill_grace of margin on top (5 + 15 = 20 < 30).
const KILL_TIMEOUT_MS = 30_000;

module.exports = {
  apps: [
    {
      name: "orchestrator",
      // interpreter "none": pm2 spawns `node` itself as a plain child (no ProcessContainer
      // wrapper around an ES module with top-level await), so its signals reach our handlers.
      script: COMMAND[0],
      args: [...envFileArgs, bin, ...COMMAND.slice(2)],
      interpreter: "none",
      cwd: homeDir,
      exec_mode: "fork",
      // One orchestrator per state file (state.json.lock): never cluster mode, never 2 instances.
      instances: 1,
      env: { NODE_ENV: "production" },
      // pm2 stop/restart/delete sends SIGINT: pm2 7 has no per-app signal setting (PM2_KILL_SIGNAL
      // in the daemon's environment changes it for every app), and serve stops on SIGINT exactly
      // as on SIGTERM (npm run test:pm2 checks the signal that arrives and the clean exit 0).
      // treekill false: the signal goes to the orchestrator only, like the unit's KillMode=mixed.
      // pm2's default signals every descendant at once, deepest first, so Claude and its tools
      // would die under the orchestrator before it hears of the stop, and the task could end as
      // failed instead of interrupted; the shutdown ends Claude's group itself (SIGTERM,
      // claude.kill_grace, SIGKILL). At kill_timeout pm2 SIGKILLs the orchestrator only; the run
      // marker in the state lets the next start end whatever it left.
      treekill: false,
      kill_timeout: KILL_TIMEOUT_MS,
      // A crash is restarted after 5 s; one that dies within 10 s of starting (a bad config.yaml)
      // counts as unstable, and after 10 of those in a row pm2 stops trying (pm2 ls: errored).
      autorestart: true,
      restart_delay: 5000,
      min_uptime: 10_000,
      max_restarts: 10,
      // The orchestrator watches nothing and must not be restarted on a file change mid-task.
      watch: false,
      // The orchestrator writes its own logs (orchestrator_logs/); pm2 keeps stdout/stderr too.
      time: true,
    },
  ],
};
