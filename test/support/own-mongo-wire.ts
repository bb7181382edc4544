// A MongoDB-wire server (FerretDB) of a test's own, which the test may kill and restart without
// disturbing the shared one the harness started (MONGODB_URL). Its data survives a restart.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { freePort } from './own-redis.ts';

export interface OwnMongoWire {
  url: string;
  /** SIGKILL, as a crash: clients see their connections reset. */
  crash(): Promise<void>;
  /** Starts it again on the same port and files. */
  restart(): Promise<void>;
}

/** Starts FerretDB on a free loopback port with its SQLite files in a temporary directory; stopped and removed when the test ends. */
export async function ownMongoWire(t: TestContext): Promise<OwnMongoWire> {
  const binary = ferretdbBinary();
  const dir = mkdtempSync(join(tmpdir(), 'hub-own-ferretdb-'));
  const port = await freePort();
  const url = `mongodb://127.0.0.1:${port}/`;
  let child: ChildProcess | undefined;
  const start = async () => {
    const args = [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      '--telemetry=disable',
      '--debug-addr=127.0.0.1:0',
      `--state-dir=${dir}`,
      '--log-level=warn',
    ];
    child = spawn(binary, args, { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    while (!(await answersPing(url))) {
      if (Date.now() > deadline || child.exitCode !== null)
        assert.fail(`FerretDB on port ${port} did not start (exit ${child.exitCode})`);
      await sleep(100);
    }
  };
  const crash = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  t.after(async () => {
    await crash();
    rmSync(dir, { recursive: true, force: true });
  });
  await start();
  return { url, crash, restart: start };
}

function ferretdbBinary(): string {
  const cacheHome = process.env['XDG_CACHE_HOME'] || join(process.env['HOME'] ?? '', '.cache');
  const candidates = [process.env['FERRETDB_BIN'], join(cacheHome, 'event-hub', 'ferretdb-v1.24.2', 'ferretdb')].filter(
    (path): path is string => Boolean(path),
  );
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  throw new Error(
    `this test starts and kills a FerretDB of its own, and found none (looked at ${candidates.join(', ')}). ` +
      'Run it through `npm test` without MONGODB_URL once: the harness builds FerretDB and sets FERRETDB_BIN.',
  );
}

async function answersPing(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 500 });
  try {
    return (await client.db('admin').command({ ping: 1 }))['ok'] === 1;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}
