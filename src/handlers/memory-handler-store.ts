import { randomUUID } from 'node:crypto';
import { createMatcher } from '../filter/index.ts';
import { compareDeadLetters, decodeDeadLetterCursor, encodeDeadLetterCursor } from './dead-letter-cursor.ts';
import type { DeadLetter, HandlerStore, LineState } from './handler-store.ts';
import { createMemoryOutcomes, DEFAULT_MAX_OUTCOMES_PER_TENANT } from './memory-outcomes.ts';

export interface MemoryHandlerStoreOptions {
  /** Processing-trail entries kept per tenant; past it the oldest events' are dropped. Default 100,000. */
  maxOutcomesPerTenant?: number;
}

/** The embedded handler store: everything in this process's memory, lost on exit. */
export function createMemoryHandlerStore(options: MemoryHandlerStoreOptions = {}): HandlerStore {
  const outcomes = createMemoryOutcomes(options.maxOutcomesPerTenant ?? DEFAULT_MAX_OUTCOMES_PER_TENANT);
  const lines = new Map<string, LineState>();
  const letters = new Map<string, DeadLetter>();
  const projections = new Map<string, Record<string, unknown>>();
  const lineKey = (handler: string, tenantId: string) => JSON.stringify([tenantId, handler]);
  const letterKey = (tenantId: string, handler: string, eventId: string) =>
    JSON.stringify([tenantId, handler, eventId]);
  const byId = (tenantId: string, id: string) =>
    [...letters.values()].find((l) => l.id === id && l.tenantId === tenantId);
  const copy = <T>(value: T): T => structuredClone(value);

  return {
    async line(handler, tenantId) {
      const state = lines.get(lineKey(handler, tenantId));
      return state ? copy(state) : null;
    },
    async saveLine(state) {
      lines.set(lineKey(state.handler, state.tenantId), copy(state));
    },
    async lines(tenantId) {
      return [...lines.values()].filter((state) => state.tenantId === tenantId).map(copy);
    },

    async addDeadLetter(letter) {
      const key = letterKey(letter.tenantId, letter.handler, letter.event.id);
      const existing = letters.get(key);
      const stored: DeadLetter = { ...copy(letter), id: existing?.id ?? randomUUID(), status: 'DEAD' };
      letters.set(key, stored);
      return copy(stored);
    },
    async deadLetters(tenantId, { filter, first, after }) {
      const matches = createMatcher(filter);
      const from = after === undefined ? undefined : decodeDeadLetterCursor(after);
      const page = [...letters.values()]
        .filter((l) => l.tenantId === tenantId && matches(l.event))
        .map((l) => ({ letter: l, cursor: { deadAt: l.deadAt.getTime(), id: l.id } }))
        .sort((a, b) => compareDeadLetters(a.cursor, b.cursor))
        .filter(({ cursor }) => from === undefined || compareDeadLetters(from, cursor) < 0);
      const taken = page.slice(0, first);
      return {
        deadLetters: taken.map(({ letter }) => copy(letter)),
        hasNextPage: page.length > first,
        endCursor: taken.length ? encodeDeadLetterCursor(taken.at(-1)!.cursor) : null,
      };
    },
    async redrive(tenantId, ids) {
      let queued = 0;
      for (const id of new Set(ids)) {
        const letter = byId(tenantId, id);
        if (letter?.status !== 'DEAD') continue;
        letter.status = 'REDRIVEN';
        queued += 1;
      }
      return queued;
    },
    async redriven(handler, tenantId, limit) {
      return [...letters.values()]
        .filter((l) => l.tenantId === tenantId && l.handler === handler && l.status === 'REDRIVEN')
        .sort((a, b) => a.deadAt.getTime() - b.deadAt.getTime())
        .slice(0, limit)
        .map(copy);
    },
    async resolve(tenantId, id) {
      const letter = byId(tenantId, id);
      if (letter) letters.delete(letterKey(tenantId, letter.handler, letter.event.id));
    },

    async recordOutcome(outcome) {
      outcomes.record(outcome);
    },
    async recordOutcomes(many) {
      for (const outcome of many) outcomes.record(outcome);
    },
    async outcomes(tenantId, eventIds) {
      return outcomes.of(tenantId, eventIds);
    },

    async getProjection(tenantId, projection, key) {
      const value = projections.get(JSON.stringify([tenantId, projection, key]));
      return value ? copy(value) : null;
    },
    async putProjection(tenantId, projection, key, value) {
      projections.set(JSON.stringify([tenantId, projection, key]), copy(value));
    },
    async close() {
      lines.clear();
      letters.clear();
      projections.clear();
      outcomes.clear();
    },
  };
}
