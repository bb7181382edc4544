import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { estimateRegexCost } from '../../src/filter/regex-cost.ts';

/** Patterns built from atoms, groups, alternations and every quantifier RE2 knows. */
const pattern: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', '.', '[^x]', '\\pL', '\\d', '^', '$', '\\b', '\\Qab.c\\E', '(?i)k', '[a-z0-9_]'),
    fc.tuple(tie('node'), tie('node')).map(([x, y]) => x + y),
    fc.tuple(tie('node'), tie('node')).map(([x, y]) => `(?:${x}|${y})`),
    fc.tuple(fc.constantFrom('(', '(?:', '(?P<n>'), tie('node')).map(([open, x]) => `${open}${x})`),
    fc.constantFrom('()', '(?:)'),
    fc
      .tuple(tie('node'), fc.constantFrom('*', '+', '?', '{3}', '{0,7}', '{2,}', '{1,12}?', '{20}'))
      .map(([x, q]) => `(?:${x})${q}`),
  ),
})).node;

describe('the regex cost estimate', () => {
  it('is never below the instructions RE2 compiles the pattern to, so it can stand in for compiling', () => {
    fc.assert(
      fc.property(pattern, (source) => {
        let compiled: RE2JS;
        try {
          compiled = RE2JS.compile(source);
        } catch {
          return; // RE2 refuses it anyway (such as a repeat of an empty-width assertion)
        }
        const estimate = estimateRegexCost(source).instructions;
        assert.ok(
          estimate >= compiled.programSize(),
          `${source}: estimated ${estimate}, compiled ${compiled.programSize()}`,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('finds the largest counted repeat and the product of nested ones', () => {
    assert.deepEqual(estimateRegexCost('.{0,1000}'), { largestRepeat: 1000, repeatProduct: 1000, instructions: 2004 });
    assert.equal(estimateRegexCost('((a{0,10}){0,10}){0,10}').repeatProduct, 1000);
    assert.equal(estimateRegexCost('a{0,10}b{0,20}(?:c{3})+').repeatProduct, 20);
    assert.equal(
      estimateRegexCost('\\{0,1000}[{0,1000}]').largestRepeat,
      0,
      'escaped braces and classes are not repeats',
    );
  });

  it('reads any text, well formed or not, in one pass', () => {
    for (const source of [
      '(',
      ')',
      '((((',
      '*',
      '{5}',
      'a{',
      '[',
      '\\',
      '\\Q',
      '(?P<x',
      'a{99999999999999999999999}',
    ]) {
      assert.ok(Number.isFinite(estimateRegexCost(source).instructions), source);
    }
  });
});
