import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withDeadline } from '../cluster-support/deadline.ts';
import { PROFILE_DIR } from '../support/profiles.ts';
import type { FromEnd, Load, PublishReport, ReceiveReport, Target, ToEnd } from './protocol.ts';

const ENTRY = fileURLToPath(new URL('./end-process.ts', import.meta.url));

/** Distributes `Omit` over the union, so each command keeps its own fields. */
type Command = ToEnd extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

export interface End {
  role: 'publisher' | 'subscriber';
  child: ChildProcess;
  connect(target: Target): Promise<void>;
  disconnect(): Promise<void>;
  stop(): Promise<void>;
}

export interface PublisherEnd extends End {
  publishOne(run: number, seq: number): Promise<void>;
  publish(run: number, load: Load): Promise<PublishReport>;
}

export interface SubscriberEnd extends End {
  collect(run: number, count: number, timeoutMs: number, latencies: boolean): Promise<ReceiveReport>;
}

/** Forks an end process (see end-process.ts) and wraps its commands; a child that dies fails whatever waits on it. */
async function spawnEnd(role: End['role'], profile: boolean) {
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  if (profile) mkdirSync(PROFILE_DIR, { recursive: true });
  const child = fork(ENTRY, [role], {
    execArgv: ['--import', 'tsx', ...flags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (m: FromEnd) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (message: FromEnd) => {
    if ('ready' in message) return ready();
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (!waiter) return;
    if (message.ok) waiter.resolve(message);
    else waiter.reject(new Error(`${role}: ${message.error}`));
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${role} exited (${code ?? signal})`));
    pending.clear();
  });
  await Promise.race([
    started,
    once(child, 'exit').then(() => Promise.reject(new Error(`${role} exited before it was ready`))),
  ]);

  /** Every command answers within seconds (a publish run lasts as long as asked, a collect at most 60 s); 10 min means stuck. */
  const request = (command: Command) =>
    withDeadline(
      new Promise<FromEnd>((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve, reject });
        child.send({ ...command, id } as ToEnd);
      }),
      600_000,
      `${role} ${command.cmd}`,
    );
  const reportOf = async <T>(command: Command) => ((await request(command)) as { report?: unknown }).report as T;
  return {
    role,
    child,
    request,
    reportOf,
    connect: async (target: Target) => void (await request({ cmd: 'connect', target })),
    disconnect: async () => void (await request({ cmd: 'disconnect' })),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      await request({ cmd: 'stop' }).catch(() => {});
      await exited;
    },
  };
}

export async function spawnPublisher(profile = false): Promise<PublisherEnd> {
  const end = await spawnEnd('publisher', profile);
  return {
    ...end,
    publishOne: async (run, seq) => void (await end.request({ cmd: 'publishOne', run, seq })),
    publish: (run, load) => end.reportOf<PublishReport>({ cmd: 'publish', run, load }),
  };
}

export async function spawnSubscriber(profile = false): Promise<SubscriberEnd> {
  const end = await spawnEnd('subscriber', profile);
  return {
    ...end,
    collect: (run, count, timeoutMs, latencies) =>
      end.reportOf<ReceiveReport>({ cmd: 'collect', run, count, timeoutMs, latencies }),
  };
}
