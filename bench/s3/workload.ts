import { EVENT_INPUT, nextFramePrefix } from '../live-support/workload.ts';

/**
 * S3's stream: every subscriber follows the one type that every event has,
 * so each event goes to every connection.
 */
export const STREAM_TYPE = EVENT_INPUT.type;
export const STREAM_VARIABLES = { filter: { types: [STREAM_TYPE] } };

/** What each counted frame starts with, up to where its position begins. */
export const FRAME_PREFIX = `${nextFramePrefix(STREAM_TYPE)}","position":"`;

/**
 * The `next` message the hub sends for one S3 event, as the raw server
 * builds it (once per event): the same fields in the same order, from the
 * same input. The runner checks it byte for byte against a frame the hub sent.
 */
export function nextFrame(position: number, id: string, timestamp: string): string {
  const { type, subject, source, payload } = EVENT_INPUT;
  return JSON.stringify({
    id: '1',
    type: 'next',
    payload: { data: { events: { type, position: String(position), id, timestamp, subject, source, payload } } },
  });
}
