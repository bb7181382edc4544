import assert from 'node:assert/strict';
import { isHubError, type HubError } from '../../src/errors.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter, createMatcher, type EventFilter } from '../../src/filter/index.ts';
import { pendingEvent } from '../support/fixtures.ts';

/** A stored event (the project's one event builder, plus a position), overridable field by field. */
export const storedEvent = (overrides: Partial<HubEvent> = {}): HubEvent => ({
  ...pendingEvent(),
  position: 1,
  ...overrides,
});

/** Whether the filter, compiled and evaluated in process, selects the event. */
export const matches = (filter: EventFilter, event: HubEvent): boolean => createMatcher(compileFilter(filter))(event);

/** The types among `types` that `filter` selects. */
export const selectedTypes = (filter: EventFilter, types: string[]): string[] => {
  const matcher = createMatcher(compileFilter(filter));
  return types.filter((type) => matcher(storedEvent({ type })));
};

/** The BAD_USER_INPUT error compiling `filter` throws. */
export function rejection(filter: EventFilter): HubError {
  try {
    compileFilter(filter);
  } catch (error) {
    assert.ok(isHubError(error), `expected a HubError, got ${String(error)}`);
    assert.equal(error.code, 'BAD_USER_INPUT');
    return error;
  }
  assert.fail('expected the filter to be rejected');
}
