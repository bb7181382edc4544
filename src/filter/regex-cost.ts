import { openGroup, readQuantifier, skipClass, skipEscape } from './regex-scan.ts';

/**
 * What RE2 would build from a pattern, estimated in one pass over its text
 * and without compiling it. Compiling is the expensive step: RE2 expands
 * every counted repeat into copies of its operand (`.{0,1000}` is 2,000
 * instructions, and 28 of them in one pattern took re2js half a second), so
 * the cost has to be known before the compiler sees the pattern.
 */
export interface RegexCost {
  /** The largest count in any `{n}`, `{n,}` or `{n,m}`. */
  largestRepeat: number;
  /** The largest product of counted repeats nested inside one another, as in `((a{0,10}){0,10}){0,10}`. */
  repeatProduct: number;
  /** The program's instructions, estimated the way RE2 compiles (one per rune, class or assertion). */
  instructions: number;
}

/** A finished piece that a quantifier may follow: its instructions and the repeat product inside it. */
interface Piece {
  size: number;
  product: number;
}

interface Frame {
  size: number;
  product: number;
  capture: boolean;
  last: Piece | null;
}

/** Fail and match instructions of every program, and the unanchored `.*?` loop in front. */
const PROGRAM_OVERHEAD = 4;

export function estimateRegexCost(source: string): RegexCost {
  const root: Frame = { size: 0, product: 1, capture: false, last: null };
  const stack: Frame[] = [root];
  let largestRepeat = 0;
  let i = 0;
  while (i < source.length) {
    const frame = stack.at(-1) ?? root;
    const c = source[i];
    const quantifier = frame.last ? readQuantifier(source, i) : null;
    if (quantifier) {
      largestRepeat = Math.max(largestRepeat, repeatedCount(quantifier));
      applyQuantifier(frame, quantifier);
      i = quantifier.end;
    } else if (c === '(') {
      const open = openGroup(source, i);
      if (open.group) stack.push({ size: 0, product: 1, capture: open.capture, last: null });
      i = open.end;
    } else if (c === ')' && stack.length > 1) {
      stack.pop();
      const parent = stack.at(-1) ?? root;
      // A capture is two instructions around its body; an empty body still compiles to one.
      add(parent, { size: frame.capture ? Math.max(frame.size, 1) + 2 : frame.size, product: frame.product });
      i += 1;
    } else if (c === '|') {
      // The alternation, and the no-op an empty branch (`(?:|a)`) compiles to.
      frame.size += 2;
      frame.last = null;
      i += 1;
    } else {
      const end = c === '\\' ? skipEscape(source, i) : c === '[' ? skipClass(source, i) : i + 1;
      // `\Q…\E` is one rune per character; everything else here is one instruction.
      const size = source.startsWith('\\Q', i) ? Math.max(1, end - i - 4) : 1;
      add(frame, { size, product: 1 });
      i = end;
    }
  }
  // Groups left open: RE2 refuses the pattern, but count what was read.
  while (stack.length > 1) {
    const frame = stack.pop()!;
    add(stack.at(-1) ?? root, { size: frame.size, product: frame.product });
  }
  return { largestRepeat, repeatProduct: root.product, instructions: root.size + PROGRAM_OVERHEAD };
}

function add(frame: Frame, piece: Piece): void {
  frame.size += piece.size;
  frame.product = Math.max(frame.product, piece.product);
  frame.last = piece;
}

/** `{n,}` counts as n copies and one loop; `*`, `+` and `?` are not counted repeats. */
const repeatedCount = (q: { counted?: { min: number; max: number } }): number =>
  q.counted === undefined ? 0 : Number.isFinite(q.counted.max) ? q.counted.max : q.counted.min;

/**
 * RE2 turns `x{n,m}` into n copies of x and m-n optional ones (one more
 * instruction each), `x{n,}` into n copies and a loop; `*`, `+` and `?`
 * add one instruction, two around an x that can match empty text (a guard
 * against an empty loop), which this scan does not tell apart: it counts two.
 */
function applyQuantifier(frame: Frame, quantifier: ReturnType<typeof readQuantifier> & object): void {
  const last = frame.last!;
  const { counted } = quantifier;
  let size = last.size + 2;
  let product = last.product;
  if (counted) {
    const optional = Number.isFinite(counted.max) ? counted.max - counted.min : 1;
    size = counted.min * last.size + Math.max(0, optional) * (last.size + 1);
    product = last.product * Math.max(1, repeatedCount(quantifier));
  }
  frame.size += size - last.size;
  frame.product = Math.max(frame.product, product);
  frame.last = { size, product };
}
