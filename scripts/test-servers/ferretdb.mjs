// FerretDB (MongoDB wire protocol on SQLite) for the test run: built once from the Go
// module proxy and cached, then started on a free loopback port.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, freePort, run, say, startServer, waitUntilReady } from './proc.mjs';

const VERSION = 'v1.24.2';
const FIX = 'Or set MONGODB_URL to a running MongoDB-wire server (MongoDB 6/7, FerretDB) to use it instead.';

export function cachedBinaryPath() {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'event-hub', `ferretdb-${VERSION}`, 'ferretdb');
}

/**
 * `go install …@v1.24.2` fails (the proxy refuses the version list and upstream generates
 * build/version/version.txt), so this does what works: download the module, copy it somewhere
 * writable, add version.txt, build. Output goes to a temp name and is renamed into place, so an
 * interrupted build never leaves a binary that later runs would trust.
 */
async function buildFerretdb(target) {
  const go = findExecutable('go', ['/usr/local/go/bin', join(homedir(), 'go', 'bin')]);
  if (!go)
    throw new Error(`Go is needed to build FerretDB ${VERSION} but \`go\` was not found. Install Go (>= 1.22). ${FIX}`);
  say(`building FerretDB ${VERSION} into ${target} (about 90 s, once)`);
  const work = mkdtempSync(join(tmpdir(), 'event-hub-ferretdb-build-'));
  const partial = `${target}.partial-${process.pid}`;
  // A signal ends the harness with process.exit, which skips `finally`.
  const cleanUp = () => {
    rmSync(partial, { force: true });
    rmSync(work, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  try {
    writeFileSync(join(work, 'go.mod'), 'module fdbbuild\n\ngo 1.24\n');
    const json = execFileSync(go, ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${VERSION}`], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { Dir: moduleDir, Error: downloadError } = JSON.parse(json);
    if (!moduleDir) throw new Error(`go mod download gave no Dir: ${downloadError ?? json}`);
    const src = join(work, 'src');
    // The module cache is read-only; the copy must be writable to add version.txt.
    cpSync(moduleDir, src, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', src]);
    mkdirSync(join(src, 'build', 'version'), { recursive: true });
    writeFileSync(join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);
    mkdirSync(join(target, '..'), { recursive: true });
    await run(go, ['build', '-o', partial, './cmd/ferretdb'], { cwd: src });
    renameSync(partial, target);
  } catch (error) {
    // go mod download reports its reason as JSON on stdout.
    const detail = error.stdout ? `\n${error.stdout}` : '';
    throw new Error(`Building FerretDB ${VERSION} failed: ${error.message}${detail}\n${FIX}`);
  } finally {
    cleanUp();
    process.off('exit', cleanUp);
  }
}

async function ensureFerretdb() {
  const bin = cachedBinaryPath();
  if (existsSync(bin)) say(`using cached FerretDB ${VERSION} (${bin})`);
  else await buildFerretdb(bin);
  return bin;
}

/** Connects with the real driver: a bound port alone does not mean FerretDB serves commands yet. */
async function pingMongo(url) {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    const reply = await client.db('admin').command({ ping: 1 });
    return reply.ok === 1;
  } finally {
    await client.close();
  }
}

/** Starts a throwaway FerretDB with its SQLite files in `dir`; resolves once it answers ping. */
export async function startFerretdb(dir) {
  const bin = await ensureFerretdb();
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    '--debug-addr=127.0.0.1:0',
    `--state-dir=${dir}`,
    '--log-level=warn',
  ];
  // Eviction tests need capped cleanup faster than the default minute; only pass the
  // flag when this build knows it, because an unknown flag makes FerretDB exit.
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
  if (`${help.stdout}${help.stderr}`.includes('--test-capped-cleanup-interval'))
    args.push('--test-capped-cleanup-interval=1s');
  else say('this FerretDB has no --test-capped-cleanup-interval; capped eviction runs every minute');
  const server = startServer('ferretdb', bin, args);
  const url = `mongodb://127.0.0.1:${port}/`;
  const hint = `If the cached build is broken, delete ${bin} and it is rebuilt. ${FIX}`;
  await waitUntilReady(server, () => pingMongo(url), { timeoutMs: 30_000, hint });
  return Object.assign(server, { url, bin });
}
