// Runs a command with Redis and the MongoDB-wire server started the way `npm test` starts them
// (installed when absent, on free loopback ports, stopped afterwards), their URLs in REDIS_URL and
// MONGODB_URL. Without a command, keeps them up until Ctrl-C.
//
//   npm run with-servers -- npm start             the hub on FerretDB + Redis
//   npm run with-servers -- npm run bench:s2      a benchmark that needs the servers
//   npm run with-servers                          just the servers; the URLs are printed
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverEnv, startServers, stopServers } from './test-servers/index.mjs';
import { running, say } from './test-servers/proc.mjs';

const [command, ...args] = process.argv.slice(2);
const tmp = mkdtempSync(join(tmpdir(), 'event-hub-servers-'));
let child;

async function stopAll(code) {
  child?.kill('SIGTERM');
  await stopServers();
  rmSync(tmp, { recursive: true, force: true });
  process.exit(code);
}

process.on('exit', () => {
  for (const server of running) server.child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.once(signal, () => void stopAll(128 + constants.signals[signal]));

try {
  const env = serverEnv();
  await startServers(env, tmp);
  if (!command) {
    say('servers up; Ctrl-C stops them');
  } else {
    child = spawn(command, args, { env, stdio: 'inherit' });
    child.once('exit', (code, signal) => void stopAll(code ?? 128 + (constants.signals[signal] ?? 0)));
  }
} catch (error) {
  say(`FAILED: ${error.message}`);
  await stopAll(1);
}
