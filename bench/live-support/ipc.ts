import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Request/reply over a forked child's IPC channel, for the live benchmarks'
 * child processes (servers under test and load generators). A child calls
 * `serveCalls` with its commands and its "ready" value; the parent gets a
 * `Child` whose `call` resolves with the command's answer. A child may also
 * send notes on its own (`sendNote`), such as frame counts while a run goes on.
 */
type Request = { call: number; cmd: string; args?: unknown };
type FromChild =
  | { ready: unknown }
  | { call: number; value: unknown }
  | { call: number; error: string }
  | { note: unknown };

export interface Child<Ready = unknown> {
  name: string;
  pid: number;
  ready: Ready;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  /** Notes the child sends on its own; one listener at a time. */
  onNote(listener: ((note: unknown) => void) | null): void;
  /** Asks the child to stop (`stop` command, then exit); kills it if it has not gone after 10 s. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Node flags besides `--import tsx` (e.g. `--expose-gc`, `--cpu-prof`). */
  execArgv?: string[];
  /** Whether the child runs with `--import tsx`; default true. A JavaScript child without it loads no TypeScript loader. */
  tsx?: boolean;
  env?: Record<string, string>;
  /** Working directory; `--import tsx` resolves from it (a baseline checkout runs with its own). */
  cwd?: string;
}

export async function spawnChild<Ready>(
  name: string,
  entry: string,
  argv: string[],
  options: SpawnOptions = {},
): Promise<Child<Ready>> {
  const child: ChildProcess = fork(entry, argv, {
    execArgv: [...(options.tsx === false ? [] : ['--import', 'tsx']), ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    ...(options.cwd && { cwd: options.cwd }),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let noteListener: ((note: unknown) => void) | null = null;
  let nextCall = 0;
  let exited: Error | null = null;
  let onReady: ((ready: unknown) => void) | null = null;

  const ready = new Promise<Ready>((resolve, reject) => {
    onReady = resolve as (ready: unknown) => void;
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready`)));
  });
  child.on('message', (message: FromChild) => {
    if ('ready' in message) onReady?.(message.ready);
    else if ('note' in message) noteListener?.(message.note);
    else {
      const waiting = pending.get(message.call);
      pending.delete(message.call);
      if ('error' in message) waiting?.reject(new Error(`${name}: ${message.error}`));
      else waiting?.resolve(message.value);
    }
  });
  // The IPC pipe can fail (ECONNRESET) when a child exits with a message of ours unread: that child is
  // gone or going, which `exit` reports; without a listener the error would end this process instead.
  child.on('error', (error) => {
    if (child.exitCode === null && child.signalCode === null)
      process.stderr.write(`${name}: IPC error ${error.message}\n`);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${name} exited (${code ?? signal})`);
    for (const waiting of pending.values()) waiting.reject(exited);
    pending.clear();
  });

  const readyValue = await ready;
  return {
    name,
    pid: child.pid!,
    ready: readyValue,
    call<T>(cmd: string, args?: unknown): Promise<T> {
      if (exited) return Promise.reject(exited);
      const call = ++nextCall;
      return new Promise<T>((resolve, reject) => {
        pending.set(call, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ call, cmd, args } satisfies Request);
      });
    },
    onNote(listener) {
      noteListener = listener;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        child.send({ call: ++nextCall, cmd: 'stop' } satisfies Request);
      } catch {
        child.kill('SIGKILL');
      }
      await gone;
      clearTimeout(timer);
    },
  };
}

export type Commands = Record<string, (args: never) => unknown>;

/**
 * The child side: answers each command, reports `ready` once, exits on `stop`
 * (after `onStop`, so that `--cpu-prof` writes its profile) or when the parent goes.
 */
export function serveCalls(commands: Commands, ready: unknown, onStop: () => Promise<void> = async () => {}): void {
  const send = (message: FromChild) => process.send!(message);
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${process.argv[1]} (pid ${process.pid}): uncaught ${error.stack ?? String(error)}\n`);
    process.exit(1);
  });
  process.on('message', (message: Request) => {
    if (message.cmd === 'stop') {
      void onStop().finally(() => process.exit(0));
      return;
    }
    const command = commands[message.cmd];
    if (!command) {
      send({ call: message.call, error: `unknown command ${message.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => command(message.args as never))
      .then(
        (value) => send({ call: message.call, value: value ?? null }),
        (error: unknown) =>
          send({ call: message.call, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
  send({ ready });
}

export const sendNote = (note: unknown): void => void process.send!({ note } satisfies FromChild);
