import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { HubEvent } from '../events/event.ts';
import { fromEventJson, toEventJson, type EventJson } from '../events/event-json.ts';
import { SEGMENT_FORMAT, utcDay, type SegmentManifest } from './cold-store.ts';

const compress = promisify(gzip);
const decompress = promisify(gunzip);

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A segment's bytes and manifest, from events of one tenant and one day in position order (at least one). */
export async function encodeSegment(events: readonly HubEvent[]): Promise<{ manifest: SegmentManifest; data: Buffer }> {
  const first = events[0]!;
  const last = events.at(-1)!;
  const data = await compress(events.map((event) => `${JSON.stringify(toEventJson(event))}\n`).join(''));
  const manifest: SegmentManifest = {
    format: SEGMENT_FORMAT,
    tenantId: first.tenantId,
    day: utcDay(first.receivedAt),
    firstPosition: first.position,
    lastPosition: last.position,
    count: events.length,
    sha256: sha256(data),
    bytes: data.length,
    firstReceivedAt: first.receivedAt.toISOString(),
    lastReceivedAt: last.receivedAt.toISOString(),
  };
  return { manifest, data };
}

/** The events of a segment's bytes, in file order. */
export async function decodeSegment(data: Uint8Array): Promise<HubEvent[]> {
  const text = (await decompress(data)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => fromEventJson(JSON.parse(line) as EventJson));
}

/**
 * Checks a segment's bytes against its manifest: digest and size, then the
 * events themselves (count, first and last position, ascending, one tenant,
 * one day). Returns the events, or throws saying what differs.
 */
export async function verifySegment(manifest: SegmentManifest, data: Uint8Array | null): Promise<HubEvent[]> {
  const where = `segment ${manifest.tenantId}/${manifest.day}/${manifest.firstPosition}`;
  if (!data) throw new Error(`${where}: the data is missing`);
  if (data.length !== manifest.bytes || sha256(data) !== manifest.sha256)
    throw new Error(`${where}: the data does not match its sha256`);
  const events = await decodeSegment(data);
  const ordered = events.every((event, i) => i === 0 || event.position > events[i - 1]!.position);
  const same = events.every(
    (event) => event.tenantId === manifest.tenantId && utcDay(event.receivedAt) === manifest.day,
  );
  if (
    events.length !== manifest.count ||
    events[0]?.position !== manifest.firstPosition ||
    events.at(-1)?.position !== manifest.lastPosition ||
    !ordered ||
    !same
  ) {
    throw new Error(`${where}: the events do not match the manifest`);
  }
  return events;
}
