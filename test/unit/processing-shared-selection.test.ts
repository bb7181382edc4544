// Event.processing reads the caller's tenant and scopes, so a subscription selecting it is never
// one execution shared between subscribers.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parse } from 'graphql';
import { schema } from '../../schema/index.ts';
import { sharedSelection } from '../../src/server/shared-selection.ts';

it('executes a subscription selecting Event.processing per subscriber, and one without it shared', () => {
  const shared = sharedSelection(schema, parse('subscription { events { id type } }'), null);
  assert.deepEqual(shared, { variables: [] });
  assert.equal(sharedSelection(schema, parse('subscription { events { id processing { status } } }'), null), null);
});
