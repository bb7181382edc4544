export { compileFilter, type CompiledFilter, type CompileFilterOptions } from './compile-filter.ts';
export {
  FieldOp,
  FilterLimits,
  PatternKind,
  type EventFilter,
  type EventPatternInput,
  type FieldCondition,
} from './filter-input.ts';
export { createMatcher, type EventMatcher } from './match.ts';
export { escapeRegex } from './regex-guard.ts';
export type { TypePattern } from './type-patterns.ts';
