import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { formatOffsetDateTime, parseOffsetDateTime } from '../src/events/event-time.ts';
import { builder } from './builder.ts';

/** A Date that remembers its offset (an event's timestamp keeps it); every other use reads it as the instant. */
function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? parseOffsetDateTime(value) : null;
  if (!date) {
    throw new GraphQLError('DateTime must be an ISO 8601 string with a time zone, e.g. 2026-11-23T10:00:00Z', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

builder.scalarType('DateTime', {
  description:
    'An ISO 8601 date-time with a time zone. Event.timestamp is served in the offset it was published with (2026-01-05T10:00:00.000+02:00); every other DateTime in UTC.',
  // only Event.timestamp resolves to an OffsetDate (schema/event.ts)
  serialize: (value) => formatOffsetDateTime(value instanceof Date ? value : new Date(String(value))),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((item) => literalToJson(item, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((field) => [field.name.value, literalToJson(field.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    case Kind.ENUM:
      return ast.value;
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});
