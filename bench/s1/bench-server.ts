/** One server under test, running in its own child process. */
export interface BenchServer {
  /** The GraphQL endpoint (the bare handler answers on the same path). */
  url: string;
  /** The store's head position for the bench tenant: grows by one per stored event. */
  head(): Promise<number>;
  close(): Promise<void>;
}

export const SERVER_KINDS = ['hub', 'bare', 'yoga'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];
/** A server kind, or `base`: the hub of a baseline checkout (`--baseline`). */
export type RunKind = ServerKind | 'base';

/** Messages between the runner and a server process. */
export type ToServer = { cmd: 'head'; id: number } | { cmd: 'stop' };
export type FromServer = { ready: string } | { id: number; head: number };
