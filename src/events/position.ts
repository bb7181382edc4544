import { badInput } from '../errors.ts';

/**
 * Positions are integers inside the hub and opaque strings outside: clients
 * get them as cursors and hand them back, and must not do arithmetic on them.
 */
export const encodePosition = (position: number): string => String(position);

const DIGITS = /^(0|[1-9][0-9]{0,15})$/;

/** Parses a cursor a client sent back; `argument` names it in the error. */
export function decodePosition(cursor: string, argument = 'after'): number {
  if (!DIGITS.test(cursor)) throw badInput(`"${argument}" is not a position this hub handed out`, [argument]);
  const position = Number(cursor);
  if (!Number.isSafeInteger(position)) throw badInput(`"${argument}" is out of range`, [argument]);
  return position;
}
