import { SOURCE_TYPES, type FilterForm } from '../filter-model.ts';
import { WhereRows } from './where-rows.tsx';

interface Props {
  value: FilterForm;
  onChange(value: FilterForm): void;
  /** Unique per form on a page, for label ids. */
  idPrefix: string;
  /** Only types and `where` (the live view's pattern filter). */
  patternOnly?: boolean;
}

/** The EventFilter as form fields; the caller owns the state and the submit button. */
export function FilterFields({ value, onChange, idPrefix, patternOnly = false }: Props) {
  const field = (name: keyof Omit<FilterForm, 'where'>, label: string, props: Record<string, string> = {}) => (
    <div class="field">
      <label for={`${idPrefix}-${name}`}>{label}</label>
      <input
        id={`${idPrefix}-${name}`}
        value={value[name]}
        onInput={(e) => onChange({ ...value, [name]: e.currentTarget.value })}
        {...props}
      />
    </div>
  );
  return (
    <div class="filter-fields">
      {field('types', 'Types (space or comma separated; * one segment, > the rest)', {
        placeholder: 'crm.contact.* shop.>',
      })}
      {!patternOnly && (
        <>
          <div class="field">
            <label for={`${idPrefix}-sourceType`}>Source type</label>
            <select
              id={`${idPrefix}-sourceType`}
              value={value.sourceType}
              onChange={(e) => onChange({ ...value, sourceType: e.currentTarget.value })}
            >
              <option value="">Any</option>
              {SOURCE_TYPES.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          </div>
          {field('sourceId', 'Source id')}
          {field('subject', 'Subject')}
          {field('actorId', 'Actor id')}
          {field('from', 'From (UTC, inclusive)', { type: 'datetime-local', step: '1' })}
          {field('to', 'To (UTC, exclusive)', { type: 'datetime-local', step: '1' })}
        </>
      )}
      <WhereRows rows={value.where} idPrefix={idPrefix} onChange={(where) => onChange({ ...value, where })} />
    </div>
  );
}
