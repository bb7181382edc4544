import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PROFILE_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));

export interface HubProcess {
  /** Base URL, e.g. http://127.0.0.1:40123 (GraphQL at /graphql). */
  url: string;
  child: ChildProcess;
  /** SIGTERM: main closes the hub, its store and bus and exits (a --cpu-prof profile is written then); SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface HubProcessOptions {
  /**
   * The hub's whole configuration: nothing is inherited but PATH, so a
   * MONGODB_URL or REDIS_URL in the runner's environment reaches the hub only
   * when passed here.
   */
  env: Record<string, string>;
  /** Run under `node --cpu-prof`; profiles land in bench/profiles/. */
  profile?: boolean;
  /** Names the process in forwarded warnings. */
  name: string;
}

/**
 * The hub exactly as `npm start` runs it (`node --import tsx src/main.ts`,
 * main picking the adapters from the environment), on a free port. Resolves
 * once it logs where it listens; warnings and errors it logs later are
 * echoed to stderr.
 */
export async function spawnHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  const profile = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  if (options.profile) mkdirSync(PROFILE_DIR, { recursive: true });
  const child = spawn(process.execPath, ['--import', 'tsx', ...profile, 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let tail = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${options.name} did not listen within 30 s:\n${tail}`)), 30_000);
    const onData = (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(tail);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(match[1]!);
    };
    const onExit = (code: number | null) => fail(new Error(`${options.name} exited (${code}) before listening:\n${tail}`));
    function fail(error: Error) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });
  // Keep draining, so a full pipe never stalls the hub; echo pino levels warn and above.
  child.stdout!.removeAllListeners('data');
  child.stdout!.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (/"level":[456]0/.test(line)) process.stderr.write(`[${options.name}] ${line}\n`);
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
