/**
 * The two ends of every S5 path run in processes of their own (publisher,
 * subscriber); the runner drives them over IPC with these messages.
 */

/** How the end reaches the other side: the hub's base URL, or Redis and a channel. */
export type Target = { hub: string } | { redis: string; channel: string };

/** `max`: `concurrency` publishes in flight for `seconds`. `rate`: one every 1/rate s for `seconds`, whatever the answers do. */
export type Load =
  | { mode: 'max'; seconds: number; concurrency: number }
  | { mode: 'rate'; seconds: number; perSecond: number };

export type ToEnd =
  | { id: number; cmd: 'connect'; target: Target }
  | { id: number; cmd: 'disconnect' }
  /** Publisher: one event of `run` with sequence number `seq`; answers once it is acknowledged. */
  | { id: number; cmd: 'publishOne'; run: number; seq: number }
  | { id: number; cmd: 'publish'; run: number; load: Load }
  /** Subscriber: what has arrived for `run` once `count` events are in, or after `timeoutMs`. */
  | { id: number; cmd: 'collect'; run: number; count: number; timeoutMs: number; latencies: boolean }
  | { id: number; cmd: 'stop' };

export interface PublishReport {
  sent: number;
  failed: number;
  /** The first error message, if any. */
  error?: string;
  firstSendUs: number;
  lastSendUs: number;
  /** When the last acknowledgement arrived. */
  lastAckUs: number;
  /** Send → acknowledgement (HTTP answer or PUBLISH reply), µs; only in `rate` mode. */
  ackUs: number[];
  /** When each sequence number's acknowledgement arrived (µs, the shared clock), by `seq`; only in `rate` mode. */
  ackAtUs: number[];
  /** Sends that left more than 2 ms later than planned (`rate` mode): the load generator fell behind. */
  late: number;
}

export interface ReceiveReport {
  received: number;
  /** The same sequence number more than once. */
  duplicates: number;
  /** Positions (hub) that did not increase. */
  outOfOrder: number;
  firstReceiveUs: number;
  lastReceiveUs: number;
  /** Send (the time in the payload) → receive, µs; only when asked for. */
  latencyUs: number[];
  /** When each sequence number arrived (µs, the shared clock), by `seq`; only when latencies are asked for. */
  arrivedAtUs: number[];
}

export type FromEnd =
  | { ready: true }
  | { id: number; ok: true; report?: PublishReport | ReceiveReport }
  | { id: number; ok: false; error: string };
