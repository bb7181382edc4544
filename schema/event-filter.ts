import { builder } from './builder.ts';
import { SourceTypeEnum } from './enums.ts';

const PatternKindEnum = builder.enumType('PatternKind', {
  description:
    'How `EventPatternInput.value` matches the event type. REGEX is RE2 syntax (linear time), at most ' +
    '`FilterLimits.maxRegexLength` characters; counted repeats such as `{0,100}` are limited by `FilterLimits.maxRegexRepeat` ' +
    '(and, nested, by `maxRegexRepeatProduct`), its compiled program by `maxRegexProgram` instructions. A request may carry ' +
    'HUB_MAX_REGEX_PER_REQUEST REGEX patterns in all its filters, compiling to HUB_MAX_REGEX_INSTRUCTIONS instructions together.',
  values: ['EXACT', 'PREFIX', 'WILDCARD', 'REGEX'] as const,
});

const FieldOpEnum = builder.enumType('FieldOp', {
  values: ['EQ', 'NE', 'GT', 'GTE', 'LT', 'LTE', 'IN', 'CONTAINS', 'EXISTS'] as const,
});

const EventPatternInput = builder.inputType('EventPatternInput', {
  fields: (t) => ({
    kind: t.field({ type: PatternKindEnum, required: true, defaultValue: 'WILDCARD' }),
    value: t.string({ required: true }),
  }),
});

const FieldConditionInput = builder.inputType('FieldCondition', {
  description:
    'A condition on one field. Paths: payload.a.b, metadata.x, $.payload.a, source.id, subject (at most ' +
    '`FilterLimits.maxPathLength` characters). Values are scalars or lists of scalars; strings at most ' +
    '`FilterLimits.maxValueLength` characters, nesting at most `FilterLimits.maxValueDepth` levels.',
  fields: (t) => ({
    path: t.string({ required: true }),
    op: t.field({ type: FieldOpEnum, required: true }),
    value: t.field({ type: 'JSON' }),
  }),
});

export const EventFilterInput = builder.inputType('EventFilter', {
  description:
    'All given fields must match (AND); `types` and `patterns` are merged with OR. A filter is at most HUB_MAX_FILTER_BYTES ' +
    'as JSON; sourceId, subject, correlationId, causationId and actorId at most `FilterLimits.maxIdLength` characters ' +
    '(`FilterLimits` in src/filter/filter-input.ts).',
  fields: (t) => ({
    types: t.stringList({ description: "Wildcard patterns: '*' is one segment, '>' one or more trailing ones." }),
    patterns: t.field({ type: [EventPatternInput] }),
    sourceTypes: t.field({ type: [SourceTypeEnum] }),
    sourceId: t.string(),
    subject: t.string(),
    correlationId: t.string(),
    causationId: t.string(),
    actorId: t.string(),
    from: t.field({ type: 'DateTime', description: 'Inclusive lower bound of `timestamp`.' }),
    to: t.field({ type: 'DateTime', description: 'Exclusive upper bound of `timestamp`.' }),
    where: t.field({ type: [FieldConditionInput], description: 'All conditions must hold (AND).' }),
  }),
});
