import { builder } from './builder.ts';
import { SourceTypeEnum } from './enums.ts';

const PatternKindEnum = builder.enumType('PatternKind', {
  description: 'How `EventPatternInput.value` matches the event type. REGEX is RE2 syntax (linear time).',
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
  description: 'A condition on one field. Paths: payload.a.b, metadata.x, $.payload.a, source.id, subject.',
  fields: (t) => ({
    path: t.string({ required: true }),
    op: t.field({ type: FieldOpEnum, required: true }),
    value: t.field({ type: 'JSON' }),
  }),
});

export const EventFilterInput = builder.inputType('EventFilter', {
  description: 'All given fields must match (AND); `types` and `patterns` are merged with OR.',
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
