// Node 24 LTS for the second test run in CI: the registry's `node-<platform>-<arch>` package
// carries the official binary, so it installs like any npm package, once, into the cache.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run, say } from './proc.mjs';

const MAJOR = 24;

function cacheDir() {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'event-hub', `node-${MAJOR}`);
}

const binaryIn = (prefix) => join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');

/**
 * The path of a Node 24 binary, installed into ~/.cache/event-hub/node-24 when missing (about 20 s,
 * once). Installed into a temporary prefix and renamed into place, so an interrupted install is
 * never trusted by a later run.
 */
export async function ensureNode24() {
  if (process.versions.node.startsWith(`${MAJOR}.`)) return process.execPath;
  const dir = cacheDir();
  const bin = binaryIn(dir);
  if (existsSync(bin)) {
    say(`using cached Node ${execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()} (${bin})`);
    return bin;
  }
  const partial = `${dir}.partial-${process.pid}`;
  say(`installing Node ${MAJOR} (npm package node-${process.platform}-${process.arch}@${MAJOR}) into ${dir}`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    await run(npm, [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      partial,
      `node-${process.platform}-${process.arch}@${MAJOR}`,
    ]);
    if (!existsSync(binaryIn(partial)))
      throw new Error(`the package holds no bin/node for ${process.platform}-${process.arch}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`Installing Node ${MAJOR} failed: ${error.message}`);
  }
  return bin;
}
