import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { type GraphQLObjectType, printSchema } from 'graphql';
import { printableSchema } from '../../schema/index.ts';

it('schema.graphql matches the schema the code builds (run `npm run schema:print` after a deliberate change)', () => {
  const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
  assert.equal(committed, `${printSchema(printableSchema())}\n`);
});

it('keeps the contract names of the GraphQL schema', () => {
  const schema = printableSchema();
  const fields = (name: string) => Object.keys((schema.getType(name) as GraphQLObjectType).getFields());
  for (const field of ['event', 'events', 'eventStats']) assert.ok(fields('Query').includes(field), field);
  for (const field of ['publishEvent', 'publishEvents']) assert.ok(fields('Mutation').includes(field), field);
  assert.ok(fields('Subscription').includes('events'));
  assert.deepEqual(fields('Event').sort(), [
    'caused',
    'causedBy',
    'id',
    'metadata',
    'payload',
    'position',
    'processing',
    'receivedAt',
    'source',
    'subject',
    'tenantId',
    'timestamp',
    'type',
    'version',
  ]);
});
