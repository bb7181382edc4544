/** What S8 asks of the hub: a HANDLERS replay to the no-op handler, and live pings beside it. */
import { BENCH_KEY, BENCH_TENANT, EVENT_TYPE, eventInput } from '../cluster-support/workload.ts';
import { NOOP_HANDLER } from './noop-handler.ts';

/** The bench key with the replay scope too. */
export const S8_API_KEYS = JSON.stringify([
  { key: BENCH_KEY, tenant: BENCH_TENANT, scopes: ['publish', 'subscribe', 'query', 'replay'] },
]);

export const START_REPLAY = 'mutation Start($input: StartReplayInput!) { startReplay(input: $input) { id status } }';
export const REPLAY_INPUT = { target: 'HANDLERS', handlers: [NOOP_HANDLER], filter: { types: [EVENT_TYPE] } } as const;
export const WATCH_REPLAY = 'subscription Watch($id: ID!) { replayJob(id: $id) { id status total processed failed } }';
export const CANCEL_REPLAY = 'mutation Cancel($id: ID!) { cancelReplay(id: $id) { id status } }';
export const HANDLER_LAG = '{ handlers { name lag processed } }';

/** The live events, of a type the no-op handler does not take, so the replay is all it runs. */
export const PING_TYPE = 'bench.live.ping';
export const pingInput = (seq: number) => ({ ...eventInput({ seq }), type: PING_TYPE });
export const PING_SUBSCRIPTION = `subscription Pings { events(filter: { types: ["${PING_TYPE}"] }) { payload position } }`;
