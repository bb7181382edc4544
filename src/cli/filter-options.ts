import { InvalidArgumentError, type Command } from 'commander';

/** The filter flags as commander hands them over. */
export interface FilterFlags {
  type?: string[];
  where?: Condition[];
  sourceType?: string[];
  sourceId?: string;
  subject?: string;
  correlationId?: string;
  from?: string;
  to?: string;
  filter?: Record<string, unknown>;
}

interface Condition {
  path: string;
  op: string;
  value?: unknown;
}

const OPERATORS: Readonly<Record<string, string>> = {
  '=': 'EQ',
  '!=': 'NE',
  '>': 'GT',
  '>=': 'GTE',
  '<': 'LT',
  '<=': 'LTE',
  '~': 'CONTAINS',
};

/** `payload.total>=100` → a FieldCondition; the value is JSON when it parses as JSON (`42`, `true`, `"42"`), else the text. */
export function parseCondition(text: string, previous: Condition[] = []): Condition[] {
  const match = /^([^=!<>~]+)(!=|>=|<=|=|>|<|~)(.*)$/s.exec(text);
  if (!match)
    throw new InvalidArgumentError(
      'expected path=value (or !=, >, >=, <, <=, ~ for contains), e.g. payload.status=paid',
    );
  const [, path, operator, raw] = match as unknown as [string, string, string, string];
  return [...previous, { path: path.trim(), op: OPERATORS[operator]!, value: jsonOrText(raw) }];
}

function jsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseFilterJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('expected an EventFilter as JSON, e.g. {"types":["order.>"]}');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError('expected a JSON object');
  return value as Record<string, unknown>;
}

/** Adds the filter flags every reading command shares (`events`, `tail`, `export`, `replay start`, …). */
export function withFilterOptions(command: Command, { types = true } = {}): Command {
  if (types)
    command.option('-t, --type <pattern>', 'event type pattern (repeatable): order.created, order.*, order.>', collect);
  return command
    .option(
      '-w, --where <condition>',
      'field condition (repeatable): payload.status=paid, payload.total>=100, subject~abc',
      parseCondition,
    )
    .option('--source-type <type>', 'source type (repeatable): WORKFLOW, INTEGRATION, …', collect)
    .option('--source-id <id>', 'source id')
    .option('--subject <subject>', 'subject')
    .option('--correlation-id <id>', 'metadata.correlationId')
    .option('--from <time>', 'timestamp at or after (ISO 8601, e.g. 2026-11-23T00:00:00Z)')
    .option('--to <time>', 'timestamp before (ISO 8601)')
    .option('--filter <json>', 'a whole EventFilter as JSON; the flags above are added to it', parseFilterJson);
}

/** The EventFilter the flags describe (`patterns` are extra type patterns, e.g. `tail`'s arguments); null for none. */
export function filterOf(flags: FilterFlags, patterns: readonly string[] = []): Record<string, unknown> | null {
  const filter: Record<string, unknown> = { ...flags.filter };
  const types = [...((filter['types'] as string[] | undefined) ?? []), ...patterns, ...(flags.type ?? [])];
  if (types.length) filter['types'] = types;
  if (flags.where?.length) filter['where'] = [...((filter['where'] as Condition[] | undefined) ?? []), ...flags.where];
  if (flags.sourceType?.length) filter['sourceTypes'] = flags.sourceType.map((type) => type.toUpperCase());
  const scalars = {
    sourceId: flags.sourceId,
    subject: flags.subject,
    correlationId: flags.correlationId,
    from: flags.from,
    to: flags.to,
  };
  for (const [name, value] of Object.entries(scalars)) if (value !== undefined) filter[name] = value;
  return Object.keys(filter).length ? filter : null;
}
