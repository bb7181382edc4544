import { eventTypes } from '../resolvers/event-types.ts';
import type { CatalogType } from '../src/catalog/event-catalog.ts';
import { builder } from './builder.ts';

const EventTypeVersionRef = builder.objectRef<CatalogType['versions'][number]>('EventTypeVersion').implement({
  description: 'One version of an event type: what its payload must look like.',
  fields: (t) => ({
    version: t.exposeString('version'),
    schema: t.field({
      type: 'JSON',
      description: "The payload's JSON Schema; publishing this type and version checks the payload against it.",
      resolve: (v) => v.schema,
    }),
    example: t.field({
      type: 'JSON',
      nullable: true,
      description: 'A sample payload that fits the schema.',
      resolve: (v) => v.example ?? null,
    }),
  }),
});

const EventTypeRef = builder.objectRef<CatalogType>('EventType').implement({
  description: "An event type in the catalog, from the hub's code or from a file in HUB_CATALOG_DIR.",
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.string({ nullable: true, resolve: (type) => type.description }),
    versions: t.field({ type: [EventTypeVersionRef], description: 'Oldest first.', resolve: (type) => type.versions }),
  }),
});

builder.queryFields((t) => ({
  eventTypes: t.field({
    type: [EventTypeRef],
    description:
      'The event types the hub knows, with their payload schemas (scope query; also GET /catalog). Other types are free JSON unless the hub accepts catalog types only.',
    resolve: (_root, _args, ctx) => eventTypes(ctx),
  }),
}));
