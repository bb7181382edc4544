import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';
import './event.ts';
import './event-filter.ts';
import './events-query.ts';
import './event-stats.ts';
import './publish.ts';
import './event-subscription.ts';
import './handlers.ts';
import './event-processing.ts';
import './replay.ts';
import './event-types.ts';
import './webhooks.ts';
import './replay-diff.ts';
import './event-causation.ts';
import './filter-preview.ts';
import './idempotency-record.ts';
import './cold-segment.ts';

/** The hub's GraphQL schema; `npm run schema:print` writes it to schema.graphql. */
export const schema: GraphQLSchema = builder.toSchema();
export const printableSchema = (): GraphQLSchema => lexicographicSortSchema(schema);
