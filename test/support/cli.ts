import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Untyped } from './untyped.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's lines parsed as JSON (for --json runs), as T when the test names a shape. */
  json<T = Untyped>(): T[];
}

export interface CliProcess {
  child: ChildProcess;
  /** What it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when it exits. */
  done: Promise<CliRun>;
}

/**
 * `event-hub args…` as a user runs it (bin/event-hub.mjs, a child process), with `env` on top of
 * PATH only, so HUB_URL / HUB_TOKEN come from the test and nothing leaks in from the runner.
 */
export function startCli(
  args: readonly string[],
  { env = {}, stdin }: { env?: Record<string, string>; stdin?: string } = {},
): CliProcess {
  const child = spawn(process.execPath, ['bin/event-hub.mjs', ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  if (stdin !== undefined) child.stdin!.end(stdin);
  else child.stdin!.end();
  const done = once(child, 'close').then(([code]) => ({
    code: code as number | null,
    stdout,
    stderr,
    json: <T = Untyped>() =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as T),
  }));
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs `event-hub args…` to its end. */
export const runCli = (
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliRun> => startCli(args, options).done;
