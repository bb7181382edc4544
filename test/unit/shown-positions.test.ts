import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createShownPositions } from '../../src/handlers/shown-positions.ts';

describe('shown positions', () => {
  it('covers a range only when every position in it was shown, in whatever order they came', () => {
    const shown = createShownPositions();
    for (const p of [3, 1, 2, 5, 4, 7]) shown.add(p);
    assert.equal(shown.covers(0, 5), true);
    assert.equal(shown.covers(2, 5), true);
    assert.equal(shown.covers(0, 6), false, '6 never came');
    assert.equal(shown.covers(5, 7), false, '6 never came');
    assert.equal(shown.covers(6, 7), true);
    assert.equal(shown.covers(-1, 3), false, '0 never came');
    assert.equal(shown.highest(), 7);
    shown.add(6);
    assert.equal(shown.covers(0, 7), true, 'the hole closed');
  });

  it('covers an empty range, and ignores a position shown twice', () => {
    const shown = createShownPositions();
    assert.equal(shown.highest(), 0);
    assert.equal(shown.covers(9, 9), true);
    assert.equal(shown.covers(0, 1), false);
    shown.add(1);
    shown.add(1);
    assert.equal(shown.covers(0, 1), true);
  });

  it('forgets the lowest runs past its limit, so ranges down there are no longer covered', () => {
    const shown = createShownPositions(3);
    for (const p of [1, 3, 5, 7]) shown.add(p); // four runs: [1] is forgotten
    assert.equal(shown.covers(0, 1), false);
    assert.equal(shown.covers(2, 3), true);
    assert.equal(shown.covers(6, 7), true);
    assert.equal(shown.highest(), 7);
  });
});
