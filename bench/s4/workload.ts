import type { ConnectionSpec } from '../live-support/load-generator.ts';
import { nextFramePrefix, publishBody } from '../live-support/workload.ts';

/**
 * S4's subscribers: `keyed` of them each on its own exact type
 * (`order.k<i>.updated`), plus 1 % on the wildcard `order.*.updated`. An
 * event of type `order.k<i>.updated` goes to keyed subscriber i and to every
 * wildcard subscriber; `order.k<i>.created` to nobody (the no-match runs).
 */
export const WILDCARD = 'order.*.updated';
export const keyedType = (key: number): string => `order.k${key}.updated`;
export const unmatchedType = (key: number): string => `order.k${key}.created`;

export const wildcardsFor = (keyed: number): number => Math.max(1, Math.round(keyed / 100));

/** Connection specs in order: keyed 0 … keyed−1, then the wildcards. */
export function connectionSpecs(keyed: number): ConnectionSpec[] {
  const specs: ConnectionSpec[] = [];
  for (let i = 0; i < keyed; i++) {
    specs.push({
      variables: { filter: { types: [keyedType(i)] } },
      prefix: `${nextFramePrefix(keyedType(i))}","position":"`,
    });
  }
  for (let w = wildcardsFor(keyed); w > 0; w--)
    specs.push({ variables: { filter: { types: [WILDCARD] } }, prefix: nextFramePrefix('order.k') });
  return specs;
}

/** The HTTP bodies of `events` events whose keys go round from `cursor`. */
export function eventBodies(
  keyed: number,
  cursor: number,
  events: number,
  matched: boolean,
): { keys: number[]; bodies: string[] } {
  const keys = Array.from({ length: events }, (_, j) => (cursor + j) % keyed);
  return { keys, bodies: keys.map((key) => publishBody(matched ? keyedType(key) : unmatchedType(key))) };
}

/**
 * What each connection must have received: keyed i the events of key i
 * (first and last by position), each wildcard every event.
 */
export function expectations(keyed: number, keys: readonly number[], positions: readonly number[]) {
  const wildcards = wildcardsFor(keyed);
  const count = new Array<number>(keyed + wildcards).fill(0);
  const first = new Array<number>(keyed + wildcards).fill(-1);
  const last = new Array<number>(keyed + wildcards).fill(-1);
  keys.forEach((key, j) => {
    const position = positions[j]!;
    count[key]! += 1;
    if (first[key] === -1 || position < first[key]!) first[key] = position;
    if (position > last[key]!) last[key] = position;
  });
  const min = Math.min(...positions);
  const max = Math.max(...positions);
  for (let w = keyed; w < keyed + wildcards; w++) {
    count[w] = keys.length;
    first[w] = min;
    last[w] = max;
  }
  return { count, first, last };
}
