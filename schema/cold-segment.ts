import { coldSegments } from '../resolvers/cold-segments.ts';
import type { SegmentManifest } from '../src/cold/cold-store.ts';
import { encodePosition } from '../src/events/position.ts';
import { builder } from './builder.ts';

const ColdSegmentRef = builder.objectRef<SegmentManifest>('ColdSegment').implement({
  description:
    'A gzip-compressed NDJSON file of events that have left the archive: one tenant, one UTC day of `receivedAt`, in position order.',
  fields: (t) => ({
    day: t.exposeString('day', { description: 'The UTC day of the events’ `receivedAt`, YYYY-MM-DD.' }),
    firstPosition: t.string({ resolve: (s) => encodePosition(s.firstPosition) }),
    lastPosition: t.string({ resolve: (s) => encodePosition(s.lastPosition) }),
    count: t.exposeInt('count'),
    sha256: t.exposeString('sha256', { description: 'SHA-256 of the compressed file, hex.' }),
    bytes: t.int({ nullable: true, description: 'Size of the compressed file.', resolve: (s) => s.bytes }),
  }),
});

builder.queryFields((t) => ({
  coldSegments: t.field({
    type: [ColdSegmentRef],
    description:
      "The caller's tenant's cold segments holding events received between `from` (default: the beginning) and `to` (default: now). Events in them have left the archive: `events` and subscriptions no longer serve them.",
    args: { from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }) },
    resolve: (_root, args, ctx) => coldSegments(args, ctx),
  }),
}));
