import { badInput } from '../errors.ts';
import { FilterLimits } from './filter-input.ts';
import { RegexRefused, sharedRegexes } from './regex-cache.ts';
import { openGroup, readQuantifier, skipClass, skipEscape } from './regex-scan.ts';

/**
 * User regexes run in two engines: re2js in process (linear time, see
 * `re2-operator.ts`) and MongoDB's backtracking PCRE on the server. RE2
 * compilation rejects what PCRE has and RE2 lacks (backreferences,
 * lookarounds, possessive quantifiers); the scan below rejects the shapes
 * that make a backtracking engine exponential: a repeated group that
 * contains another quantifier (`(a+)+`, `(\w+\s?)*`) or an alternation
 * (`(a|aa)+`). Adjacent quantifiers (`a*a*b`) stay allowed: on a backtracking
 * engine they are polynomial, bounded by the 255-character type names REGEX
 * runs against and by the server's `maxTimeMS`.
 *
 * The pattern is compiled through the shared cache, which first bounds its
 * cost on the text (counted repeats, their nesting, the program size), and
 * which the in-process matcher then reuses: one compilation per pattern.
 */
export function checkUserRegex(source: string, path: readonly string[]): void {
  if (source.length === 0) throw badInput('a REGEX pattern may not be empty', path);
  if (source.length > FilterLimits.maxRegexLength) {
    throw badInput(`a REGEX pattern is limited to ${FilterLimits.maxRegexLength} characters`, path);
  }
  // MongoDB refuses regexes with an embedded NUL; \x00 says the same thing.
  if (source.includes('\0')) throw badInput('a REGEX pattern may not contain a NUL character; write \\x00', path);
  try {
    sharedRegexes.compile(source);
  } catch (error) {
    if (error instanceof RegexRefused) throw badInput(error.message, path);
    throw error;
  }
  const risk = findBacktrackingRisk(source);
  if (risk) {
    throw badInput(
      `the group ${risk.group} is repeated and contains ${risk.reason === 'nested' ? 'a quantifier' : 'an alternation'}: ` +
        'a backtracking engine (MongoDB) can take exponential time on it; ' +
        'rewrite it without the nesting or use several patterns',
      path,
    );
  }
}

/** Escapes text into a regex matching it literally, in both RE2 and PCRE syntax. */
export const escapeRegex = (text: string): string =>
  text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&').replace(/\0/g, '\\x00');

interface Frame {
  start: number;
  /** Holds a quantifier that varies (`{n}` does not: it leaves nothing to backtrack over). */
  hasQuantifier: boolean;
  hasAlternation: boolean;
}

interface Risk {
  group: string;
  reason: 'nested' | 'alternation';
}

/** Scans a pattern that RE2 already accepted, so the syntax is known to be well formed. */
function findBacktrackingRisk(source: string): Risk | null {
  const stack: Frame[] = [{ start: 0, hasQuantifier: false, hasAlternation: false }];
  const top = (): Frame => stack[stack.length - 1] ?? { start: 0, hasQuantifier: false, hasAlternation: false };
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i = skipEscape(source, i);
    else if (c === '[') i = skipClass(source, i);
    else if (c === '|') {
      top().hasAlternation = true;
      i += 1;
    } else if (c === '(') {
      const open = openGroup(source, i);
      if (open.group) stack.push({ start: i, hasQuantifier: false, hasAlternation: false });
      i = open.end;
    } else if (c === ')') {
      const group = stack.length > 1 ? stack.pop() : undefined;
      const quantifier = readQuantifier(source, i + 1);
      if (group) {
        if (quantifier?.repeats && (group.hasQuantifier || group.hasAlternation)) {
          return {
            group: source.slice(group.start, quantifier.end),
            reason: group.hasQuantifier ? 'nested' : 'alternation',
          };
        }
        const parent = top();
        parent.hasQuantifier ||= group.hasQuantifier || quantifier?.varies === true;
        parent.hasAlternation ||= group.hasAlternation;
      }
      i = quantifier?.end ?? i + 1;
    } else {
      const quantifier = readQuantifier(source, i);
      if (quantifier?.varies) top().hasQuantifier = true;
      i = quantifier?.end ?? i + 1;
    }
  }
  return null;
}
