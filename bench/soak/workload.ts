import type { ConnectionSpec } from '../live-support/load-generator.ts';
import { nextFramePrefix } from '../live-support/workload.ts';
import { keyedType, WILDCARD } from '../s4/workload.ts';

/**
 * The soak's subscribers: `keyed` on their own exact type (S4's
 * `order.k<i>.updated`) and `wildcards` on `order.*.updated`, which see
 * every event, as a dashboard following a whole stream would.
 */
export function soakSpecs(keyed: number, wildcards: number): ConnectionSpec[] {
  const specs: ConnectionSpec[] = [];
  for (let i = 0; i < keyed; i++)
    specs.push({
      variables: { filter: { types: [keyedType(i)] } },
      prefix: `${nextFramePrefix(keyedType(i))}","position":"`,
    });
  for (let w = 0; w < wildcards; w++)
    specs.push({ variables: { filter: { types: [WILDCARD] } }, prefix: nextFramePrefix('order.k') });
  return specs;
}

/** What each connection must hold once every frame is in: keyed i the events of key i, each wildcard every event (count, first and last position). */
export function soakExpectations(
  keyed: number,
  wildcards: number,
  events: readonly { key: number; position: number }[],
) {
  const size = keyed + wildcards;
  const count = new Array<number>(size).fill(0);
  const first = new Array<number>(size).fill(-1);
  const last = new Array<number>(size).fill(-1);
  let min = Number.POSITIVE_INFINITY;
  let max = -1;
  for (const { key, position } of events) {
    count[key]! += 1;
    if (first[key] === -1 || position < first[key]!) first[key] = position;
    if (position > last[key]!) last[key] = position;
    min = Math.min(min, position);
    max = Math.max(max, position);
  }
  for (let w = keyed; w < size; w++) {
    count[w] = events.length;
    first[w] = events.length ? min : -1;
    last[w] = max;
  }
  return { count, first, last };
}
