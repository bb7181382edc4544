// `npm test`: installs dependencies if needed, starts the servers the suite needs (Redis,
// FerretDB) unless REDIS_URL / MONGODB_URL point at running ones, runs node's test runner on
// test/**/*.test.ts (or the files / directories given), and stops what it started.
// Plain Node with built-ins only, because it must run before anything is installed.
//
//   npm test                                     all tests
//   npm test -- test/unit test/foo.test.ts       only these files / directories
//   npm test -- --test-concurrency=1 --test-name-pattern="replay"
//
// With CI set (CI=true, as CI runs it) the same files run a second time on Node 24 LTS, installed
// from the npm registry into the cache when missing; the run fails if either run fails, and the
// last line totals both. NODE24=1 asks for the second run outside CI, NODE24=0 skips it in CI.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { serverEnv, startServers, stopServers } from './test-servers/index.mjs';
import { CHROMIUM_TOOL, exportChromiumPath } from './test-servers/chromium.mjs';
import { ensureNode24 } from './test-servers/node24.mjs';
import { run, running, say } from './test-servers/proc.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// npm runs scripts from the package root; INIT_CWD is where the user typed the command.
const userCwd = process.env.INIT_CWD ?? process.cwd();
let tmp;
let testRun;

async function ensureDependencies() {
  if (existsSync(join(root, 'node_modules'))) return;
  const command = existsSync(join(root, 'package-lock.json')) ? 'ci' : 'install';
  say(`node_modules is missing; running npm ${command}`);
  await run('npm', [command], { cwd: root });
}

/** Splits CLI args into runner flags and test paths; a flag's separate value is the next non-path arg. */
function parseArgs(args) {
  const flags = [];
  const paths = [];
  for (const arg of args) {
    const path = resolve(userCwd, arg);
    const previous = flags.at(-1);
    if (arg.startsWith('-')) flags.push(arg);
    else if (existsSync(path)) paths.push(path);
    else if (previous !== undefined && !previous.includes('=')) flags.push(arg);
    else throw new Error(`No such test file or directory: ${arg}`);
  }
  return { flags, paths };
}

/** Node 20's --test does not expand globs, so the tree is walked here. */
function findTests(paths) {
  const found = [];
  const walk = (path) => {
    if (!statSync(path).isDirectory()) return void found.push(path);
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.test.ts')) found.push(child);
    }
  };
  for (const path of paths.length ? paths : [join(root, 'test')]) walk(path);
  return [...new Set(found)].sort().map((file) => relative(root, file));
}

const SUMMARY = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/;
const COUNT = /^ℹ (pass|fail|cancelled) (\d+)$/;

/**
 * The spec reporter prints "✖ failing tests:" after its summary; CI reads the closing lines,
 * so the summary block is held back and printed last. Everything else passes through as is.
 */
function passOutputThrough(stream, counts) {
  const held = [];
  let partial = '';
  const emit = (line) => {
    const plain = stripVTControlCharacters(line);
    const count = COUNT.exec(plain);
    if (count) counts[count[1] === 'pass' ? 'passed' : 'failed'] += Number(count[2]);
    if (SUMMARY.test(plain)) held.push(line);
    else process.stdout.write(`${line}\n`);
  };
  stream.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(emit);
  });
  return () => {
    if (partial) emit(partial);
    for (const line of held) process.stdout.write(`${line}\n`);
  };
}

/** Runs the files on the given Node binary; resolves with its exit code and the pass / fail counts. */
function runTests(flags, files, env, node = process.execPath) {
  const ownReporter = !flags.some((flag) => flag.startsWith('--test-reporter'));
  const args = ['--import', 'tsx', '--test'];
  if (ownReporter) args.push('--test-reporter=spec');
  // Each file runs in its own process; two at a time suits a 2-core CI machine.
  if (!flags.some((flag) => flag.startsWith('--test-concurrency'))) args.push('--test-concurrency=2');
  if (process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.FORCE_COLOR = '1';
  const counts = { passed: 0, failed: 0 };
  const version =
    node === process.execPath ? process.version : execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  say(`running ${files.length} test file(s) on Node ${version}`);
  return new Promise((resolvePromise, reject) => {
    testRun = spawn(node, [...args, ...flags, ...files], { cwd: root, env, stdio: ['inherit', 'pipe', 'inherit'] });
    const flush = passOutputThrough(testRun.stdout, counts);
    testRun.once('error', reject);
    testRun.once('close', (code, signal) => {
      flush();
      resolvePromise({ code: code ?? 128 + (constants.signals[signal] ?? 0), ...counts });
    });
  });
}

/** The second run on Node 24: in CI unless NODE24=0, elsewhere when NODE24=1; never when this already is Node 24. */
function wantsNode24() {
  if (process.versions.node.startsWith('24.')) return false;
  const asked = process.env.NODE24;
  if (asked !== undefined) return asked === '1' || asked === 'true';
  return Boolean(process.env.CI) && process.env.CI !== 'false';
}

async function stopAll() {
  await stopServers();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
}

// Last resort when the process dies some other way: servers must not outlive the run.
process.on('exit', () => {
  for (const server of running) server.child.kill('SIGKILL');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, async () => {
    say(`${signal} received; stopping tests and servers`);
    testRun?.kill(signal);
    await stopAll();
    process.exit(128 + constants.signals[signal]);
  });
}

try {
  const { flags, paths } = parseArgs(process.argv.slice(2));
  const files = findTests(paths);
  if (!files.length) throw new Error(`No *.test.ts files found in ${paths.length ? paths.join(', ') : 'test/'}`);
  await ensureDependencies();
  tmp = mkdtempSync(join(tmpdir(), 'event-hub-test-'));
  const env = serverEnv();
  // docker-compose validates docker-compose.yml in a test (`config` needs no Docker engine);
  // the browser tests drive Debian's Chromium, found through CHROMIUM_PATH.
  await startServers(env, tmp, {
    extraTools: [{ executable: 'docker-compose', pkg: 'docker-compose' }, CHROMIUM_TOOL],
  });
  exportChromiumPath(env);
  const runs = [await runTests(flags, files, env)];
  if (wantsNode24()) runs.push(await runTests(flags, files, env, await ensureNode24()));
  await stopAll();
  if (runs.length > 1) {
    const total = (key) => runs.reduce((sum, run) => sum + run[key], 0);
    process.stdout.write(`total: ${total('passed')} passed, ${total('failed')} failed\n`);
  }
  process.exitCode = runs.find((run) => run.code !== 0)?.code ?? 0;
} catch (error) {
  say(`FAILED: ${error.message}`);
  await stopAll();
  process.exitCode = 1;
}
