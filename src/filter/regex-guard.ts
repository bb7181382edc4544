import { RE2JS } from 're2js';
import { badInput } from '../errors.ts';
import { FilterLimits } from './filter-input.ts';

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
 */
export function checkUserRegex(source: string, path: readonly string[]): void {
  if (source.length === 0) throw badInput('a REGEX pattern may not be empty', path);
  if (source.length > FilterLimits.maxRegexLength) {
    throw badInput(`a REGEX pattern is limited to ${FilterLimits.maxRegexLength} characters`, path);
  }
  // MongoDB refuses regexes with an embedded NUL; \x00 says the same thing.
  if (source.includes('\0')) throw badInput('a REGEX pattern may not contain a NUL character; write \\x00', path);
  try {
    RE2JS.compile(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badInput(`not a valid RE2 regular expression (${reason})`, path);
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

/** `(?i)` only sets flags; `(?:`, `(?i:`, `(?P<n>`, `(?<n>` and `(` open a group. */
function openGroup(source: string, i: number): { group: boolean; end: number } {
  if (source[i + 1] !== '?') return { group: true, end: i + 1 };
  let j = i + 2;
  while (j < source.length && /[imsU-]/.test(source[j] ?? '')) j += 1;
  if (source[j] === ')') return { group: false, end: j + 1 };
  if (source[j] === ':') return { group: true, end: j + 1 };
  const close = source.indexOf('>', j);
  return { group: true, end: close === -1 ? source.length : close + 1 };
}

const QUANTIFIER = /^(?:[*+?]|\{(\d+)(?:(,)(\d*))?\})\??/;

interface Quantifier {
  end: number;
  /** May match more than once: `*`, `+`, `{2}`, `{1,}`, `{0,3}`. */
  repeats: boolean;
  /** Leaves the engine a choice of how many: all but `{n}`. */
  varies: boolean;
}

function readQuantifier(source: string, i: number): Quantifier | null {
  const match = QUANTIFIER.exec(source.slice(i, i + 24));
  if (!match) return null;
  const [text, min, comma, max] = match;
  const end = i + text.length;
  if (min === undefined) return { end, repeats: !text.startsWith('?'), varies: true };
  const most = comma === undefined ? Number(min) : max === '' || max === undefined ? Infinity : Number(max);
  return { end, repeats: most > 1, varies: most !== Number(min) };
}

function skipEscape(source: string, i: number): number {
  const next = source[i + 1];
  if (next === 'Q') {
    const end = source.indexOf('\\E', i + 2);
    return end === -1 ? source.length : end + 2;
  }
  if ((next === 'p' || next === 'P' || next === 'x') && source[i + 2] === '{') {
    const end = source.indexOf('}', i + 2);
    return end === -1 ? source.length : end + 1;
  }
  return i + 2;
}

/** Skips `[...]`, including a leading literal `]`, escapes and `[:alpha:]` classes. */
function skipClass(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === '^') j += 1;
  if (source[j] === ']') j += 1;
  while (j < source.length) {
    if (source[j] === '\\') j = skipEscape(source, j);
    else if (source.startsWith('[:', j)) {
      const end = source.indexOf(':]', j + 2);
      j = end === -1 ? j + 1 : end + 2;
    } else if (source[j] === ']') return j + 1;
    else j += 1;
  }
  return j;
}
