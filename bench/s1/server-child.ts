import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { FromServer, ToServer } from './bench-server.ts';

/** A bench server in its own child process (bench/s1/server-process.ts or a baseline's copy of it). */
export interface ServerChild {
  /** What the server answered `ready` with: its GraphQL URL. */
  url: string;
  child: ChildProcess;
  /** How many events the server holds now. */
  head(): Promise<number>;
  /** Asks the server to stop and waits for it to exit. */
  stop(): Promise<void>;
}

export interface ServerChildOptions {
  entry: string;
  /** The server kind the entry starts (`hub`, `bare`, `yoga`). */
  kind: string;
  /** Names the server in errors. */
  label: string;
  cwd?: string | undefined;
  execArgv?: string[];
}

/** Forks a bench server and waits for its `ready`; a child that dies first fails the run rather than hanging it. */
export async function forkServerChild({ entry, kind, label, cwd, execArgv = [] }: ServerChildOptions) {
  const child = fork(entry, [kind], {
    cwd,
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const first = await nextMessage(child, label);
  if (!('ready' in first)) throw new Error(`${label} did not report ready`);
  let nextId = 0;
  const server: ServerChild = {
    url: first.ready,
    child,
    async head() {
      const id = ++nextId;
      child.send({ cmd: 'head', id } satisfies ToServer);
      for (;;) {
        const message = await nextMessage(child, label);
        if ('id' in message && message.id === id) return message.head;
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ cmd: 'stop' } satisfies ToServer);
      await exited;
    },
  };
  return server;
}

function nextMessage(child: ChildProcess, label: string): Promise<FromServer> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromServer) => {
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null) => {
      child.off('message', onMessage);
      reject(new Error(`${label} exited (${code ?? signal})`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}
