import { FIELD_OPS, newWhereRow, type FieldOp, type WhereRow } from '../filter-model.ts';

/** `where` conditions, one row each: path, operator, value (JSON, or plain text). */
export function WhereRows({
  rows,
  onChange,
  idPrefix,
}: {
  rows: WhereRow[];
  onChange(rows: WhereRow[]): void;
  idPrefix: string;
}) {
  const update = (key: number, change: Partial<WhereRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  return (
    <fieldset class="where">
      <legend>Where (all must hold)</legend>
      {rows.map((row, i) => {
        const id = `${idPrefix}-where-${row.key}`;
        return (
          <div class="where-row" key={row.key}>
            <label for={`${id}-path`}>Path {i + 1}</label>
            <input
              id={`${id}-path`}
              value={row.path}
              placeholder="payload.amount"
              onInput={(e) => update(row.key, { path: e.currentTarget.value })}
            />
            <label for={`${id}-op`}>Operator {i + 1}</label>
            <select
              id={`${id}-op`}
              value={row.op}
              onChange={(e) => update(row.key, { op: e.currentTarget.value as FieldOp })}
            >
              {FIELD_OPS.map((op) => (
                <option key={op} value={op}>
                  {op}
                </option>
              ))}
            </select>
            <label for={`${id}-value`}>Value {i + 1}</label>
            <input
              id={`${id}-value`}
              value={row.value}
              placeholder='80, "text", [1,2]'
              onInput={(e) => update(row.key, { value: e.currentTarget.value })}
            />
            <button
              type="button"
              class="secondary"
              aria-label={`Remove condition ${i + 1}`}
              onClick={() => onChange(rows.filter((r) => r.key !== row.key))}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button type="button" class="secondary" onClick={() => onChange([...rows, newWhereRow()])}>
        Add condition
      </button>
    </fieldset>
  );
}
