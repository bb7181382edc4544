/**
 * The lexical pieces of RE2 syntax that the pattern checks read without
 * compiling: group openings, quantifiers, escapes and character classes.
 * They work on any text, well formed or not, and always move forward, so a
 * scan over a hostile pattern costs one pass over its characters.
 */

/** `(?i)` only sets flags; `(?:`, `(?i:`, `(?P<n>`, `(?<n>` and `(` open a group. */
export function openGroup(source: string, i: number): { group: boolean; capture: boolean; end: number } {
  if (source[i + 1] !== '?') return { group: true, capture: true, end: i + 1 };
  let j = i + 2;
  while (j < source.length && /[imsU-]/.test(source[j] ?? '')) j += 1;
  if (source[j] === ')') return { group: false, capture: false, end: j + 1 };
  if (source[j] === ':') return { group: true, capture: false, end: j + 1 };
  const close = source.indexOf('>', j);
  return { group: true, capture: true, end: close === -1 ? source.length : close + 1 };
}

const QUANTIFIER = /^(?:[*+?]|\{(\d+)(?:(,)(\d*))?\})\??/;

export interface Quantifier {
  end: number;
  /** May match more than once: `*`, `+`, `{2}`, `{1,}`, `{0,3}`. */
  repeats: boolean;
  /** Leaves the engine a choice of how many: all but `{n}`. */
  varies: boolean;
  /** For `{n}`, `{n,}` and `{n,m}`: n, and m (Infinity for `{n,}`). */
  counted?: { min: number; max: number };
}

export function readQuantifier(source: string, i: number): Quantifier | null {
  const match = QUANTIFIER.exec(source.slice(i, i + 24));
  if (!match) return null;
  const [text, min, comma, max] = match;
  const end = i + text.length;
  if (min === undefined) return { end, repeats: !text.startsWith('?'), varies: true };
  const least = Number(min);
  const most = comma === undefined ? least : max === '' || max === undefined ? Infinity : Number(max);
  return { end, repeats: most > 1, varies: most !== least, counted: { min: least, max: most } };
}

export function skipEscape(source: string, i: number): number {
  const next = source[i + 1];
  if (next === 'Q') {
    const end = source.indexOf('\\E', i + 2);
    return end === -1 ? source.length : end + 2;
  }
  if ((next === 'p' || next === 'P' || next === 'x') && source[i + 2] === '{') {
    const end = source.indexOf('}', i + 2);
    return end === -1 ? source.length : end + 1;
  }
  return Math.min(i + 2, source.length);
}

/** Skips `[...]`, including a leading literal `]`, escapes and `[:alpha:]` classes. */
export function skipClass(source: string, i: number): number {
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
