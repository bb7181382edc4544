import { badInput } from '../errors.ts';

/** Where a page of dead letters ended: newest first, by deadAt then id. Opaque to clients. */
export interface DeadLetterCursor {
  deadAt: number;
  id: string;
}

export const encodeDeadLetterCursor = ({ deadAt, id }: DeadLetterCursor): string =>
  Buffer.from(JSON.stringify([deadAt, id])).toString('base64url');

export function decodeDeadLetterCursor(cursor: string): DeadLetterCursor {
  try {
    const [deadAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof deadAt === 'number' && Number.isFinite(deadAt) && typeof id === 'string') return { deadAt, id };
  } catch {
    // fall through
  }
  throw badInput('after is not a cursor from an earlier deadLetters page', ['after']);
}

/** Newest first: later deadAt first, then the larger id. */
export const compareDeadLetters = (a: DeadLetterCursor, b: DeadLetterCursor): number =>
  b.deadAt - a.deadAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
