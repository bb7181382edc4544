/** The EventFilter as a form holds it (strings as typed) and as the API takes it. */

export const FIELD_OPS = ['EQ', 'NE', 'GT', 'GTE', 'LT', 'LTE', 'IN', 'CONTAINS', 'EXISTS'] as const;
export type FieldOp = (typeof FIELD_OPS)[number];
export const SOURCE_TYPES = [
  'CRON',
  'EXTERNAL',
  'INTEGRATION',
  'MANUAL',
  'SYSTEM',
  'TASK',
  'WEBHOOK',
  'WORKFLOW',
] as const;

export interface WhereRow {
  key: number;
  path: string;
  op: FieldOp;
  value: string;
}

export interface FilterForm {
  types: string;
  sourceType: string;
  sourceId: string;
  subject: string;
  actorId: string;
  /** `datetime-local` values, read as UTC. */
  from: string;
  to: string;
  where: WhereRow[];
}

export const emptyFilter = (): FilterForm => ({
  types: '',
  sourceType: '',
  sourceId: '',
  subject: '',
  actorId: '',
  from: '',
  to: '',
  where: [],
});

let nextKey = 1;
export const newWhereRow = (): WhereRow => ({ key: nextKey++, path: 'payload.', op: 'EQ', value: '' });

/** A typed value: JSON when it parses (numbers, booleans, quoted strings, lists), else the text itself. */
function parseValue(op: FieldOp, text: string): unknown {
  if (op === 'EXISTS') return text.trim() !== 'false';
  try {
    return JSON.parse(text);
  } catch {
    return op === 'IN'
      ? text
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : text;
  }
}

const utc = (local: string) => new Date(`${local.length === 16 ? `${local}:00` : local}Z`).toISOString();
const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** The API's EventFilter: only the fields the form filled in. */
export function toEventFilter(form: FilterForm): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (words(form.types).length) filter['types'] = words(form.types);
  if (form.sourceType) filter['sourceTypes'] = [form.sourceType];
  if (form.sourceId.trim()) filter['sourceId'] = form.sourceId.trim();
  if (form.subject.trim()) filter['subject'] = form.subject.trim();
  if (form.actorId.trim()) filter['actorId'] = form.actorId.trim();
  if (form.from) filter['from'] = utc(form.from);
  if (form.to) filter['to'] = utc(form.to);
  const where = form.where.filter((row) => row.path.trim() && row.path.trim() !== 'payload.');
  if (where.length)
    filter['where'] = where.map((row) => ({ path: row.path.trim(), op: row.op, value: parseValue(row.op, row.value) }));
  return filter;
}
