import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What is kept of the output while starting, for the error when the hub never listens. */
const START_TAIL = 4000;

export interface HubProcessOptions {
  /**
   * Variables the hub gets on top of `HOST=127.0.0.1 PORT=0 LOG_LEVEL=info`;
   * `undefined` removes one (useful with `inheritEnv`).
   */
  env?: Record<string, string | undefined>;
  /**
   * Pass this process's whole environment on (MONGODB_URL and REDIS_URL
   * included). Off by default: the hub gets only PATH, so its configuration
   * is exactly `env` and nothing in the runner's environment leaks in.
   */
  inheritEnv?: boolean;
  /** The checkout whose `src/main.ts` runs (a baseline's `git worktree`, for benches); default this one. */
  root?: string;
  /**
   * A built hub (`npm run build`'s `dist/hub/main.js`, under `root`) to run as `npm run start:built`
   * does, with no TypeScript loader, instead of `src/main.ts` through tsx.
   */
  built?: boolean;
  /** Names the process in errors and in echoed warnings; default `hub`. */
  name?: string;
  /** Runs the hub under `node --cpu-prof`, the profile written into this directory (created) when it exits. */
  cpuProfileDir?: string | undefined;
  /**
   * Keep everything the process writes: stdout for `output()`, stderr for errors.
   * Off: only a start-up tail is kept for the error, stdout is drained
   * afterwards (a full pipe would stall the hub) and stderr goes to ours.
   */
  keepOutput?: boolean;
  /** Echo the lines the hub logs at warn and above (pino levels 40–60) to stderr, prefixed `[name]`; default off. */
  echoWarnings?: boolean;
  /** How long the hub may take to log that it listens before it is killed and the start fails; default 20 s. */
  startTimeoutMs?: number;
  /** `stop()`'s default grace between SIGTERM and SIGKILL; default 5 s. */
  stopGraceMs?: number;
}

export interface HubProcess {
  /** Base URL, e.g. http://127.0.0.1:40123. */
  url: string;
  /** The GraphQL endpoint, `${url}/graphql`. */
  graphqlUrl: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout (pino JSON lines) so far, with `keepOutput`; empty otherwise. */
  output(): string;
  /**
   * SIGTERM (main closes the hub, its store and bus and exits, writing a CPU
   * profile if one is on), then SIGKILL after `graceMs`; resolves with the
   * exit code or signal.
   */
  stop(graceMs?: number): Promise<number | string | null>;
}

/**
 * The hub exactly as `npm start` runs it (`node --import tsx src/main.ts`,
 * main picking the adapters from the environment), or with `built` as
 * `npm run start:built` does, on a free port. Resolves
 * once it logs where it listens; a hub that exits or stays silent first is
 * killed and the promise rejects with what it wrote.
 */
export async function spawnHubProcess(options: HubProcessOptions = {}): Promise<HubProcess> {
  const { name = 'hub', cpuProfileDir, keepOutput = false, echoWarnings = false } = options;
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const inherited = options.inheritEnv ? process.env : { PATH: process.env['PATH'] ?? '' };
  const entry = options.built ? ['dist/hub/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...profile, ...entry], {
    cwd: options.root ?? ROOT,
    // info: the one line that says where it listens; the hub logs nothing per request at info.
    env: { ...inherited, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', keepOutput ? 'pipe' : 'inherit'],
  });
  const output = collectOutput(child, { name, keepOutput, echoWarnings });
  const url = await listeningUrl(child, name, output, options.startTimeoutMs ?? 20_000);
  output.started();
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    child,
    output: () => (keepOutput ? output.stdout() : ''),
    async stop(graceMs = options.stopGraceMs ?? 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code, signal] = (await exited) as [number | null, string | null];
      clearTimeout(timer);
      return code ?? signal;
    },
  };
}

/** Reads the child's output as options say; `text()` is stdout and stderr (all of it with keepOutput, else the start-up tail). */
function collectOutput(
  child: ChildProcess,
  { name, keepOutput, echoWarnings }: { name: string; keepOutput: boolean; echoWarnings: boolean },
) {
  let stdout = '';
  let stderr = '';
  let starting = true;
  let partial = ''; // a line split across chunks, for the echo
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    if (keepOutput) stdout += chunk;
    else if (starting) stdout = (stdout + chunk).slice(-START_TAIL);
    if (!echoWarnings || starting) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (/"level":[456]0/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    stdout: () => stdout,
    text: () => (stderr ? `${stdout}\n${stderr}` : stdout),
    /** From now on only what `keepOutput` and `echoWarnings` ask for is kept. */
    started() {
      starting = false;
      if (!keepOutput) stdout = '';
    },
  };
}

/** Resolves with the base URL the hub logs once it listens. */
function listeningUrl(
  child: ChildProcess,
  name: string,
  output: { stdout(): string; text(): string },
  timeoutMs: number,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`${name} did not listen within ${timeoutMs / 1000} s`), timeoutMs);
    const onData = () => {
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(output.stdout());
      if (!match) return;
      done();
      resolve(match[1]!);
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`${name} exited (${code ?? signal}) before listening`);
    function done() {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    }
    function fail(message: string) {
      done();
      child.kill('SIGKILL'); // the caller never gets a handle to stop it
      reject(new Error(`${message}:\n${output.text()}`));
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}
