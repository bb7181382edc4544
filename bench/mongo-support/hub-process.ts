import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROFILES = fileURLToPath(new URL('../profiles/', import.meta.url));

export interface HubProcess {
  /** The GraphQL endpoint. */
  url: string;
  child: ChildProcess;
  /** SIGTERM (main closes the hub, its store and bus, then exits; a profile is written then); SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface HubProcessOptions {
  /** Variables on top of this process's environment (MONGODB_URL and REDIS_URL come from there); undefined removes one. */
  env: Record<string, string | undefined>;
  /** Run under `node --cpu-prof`, the profile in bench/profiles/<profile>/ (e.g. `s2`). */
  profile?: string | undefined;
}

/**
 * The hub exactly as `npm start` runs it (`node --import tsx src/main.ts`),
 * in its own process, on a free port: `main` picks the MongoDB store and the
 * Redis bus from MONGODB_URL / REDIS_URL. Resolves once it logs that it listens.
 */
export async function spawnHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  const dir = options.profile ? join(PROFILES, options.profile) : undefined;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  if (dir) mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, ['--import', 'tsx', ...profile, 'src/main.ts'], {
    cwd: ROOT,
    // info: the one line that says where it listens; the hub logs nothing per request at info.
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let tail = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the hub did not listen within 30 s:\n${tail}`)), 30_000);
    const onData = (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      const match = /"url":"(http:\/\/[^"]+\/graphql)"/.exec(tail);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(match[1]!);
      }
    };
    const onExit = (code: number | null) => fail(new Error(`the hub exited (${code}) before listening:\n${tail}`));
    function fail(error: Error) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });
  // Keep draining (and echo warnings and errors: pino levels 40+), so a full pipe never stalls the hub.
  child.stdout!.removeAllListeners('data');
  child.stdout!.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (/"level":(4|5|6)0/.test(line)) process.stderr.write(`[hub] ${line}\n`);
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** POSTs a GraphQL body (already a JSON string) and returns the parsed answer; anything but a 200 throws. */
export async function postGraphql<T>(url: string, key: string, body: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`the hub answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
