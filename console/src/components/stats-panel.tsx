import { useState } from 'preact/hooks';
import { STATS } from '../api/queries.ts';
import { useRequest } from '../use-request.ts';
import { StatsChart } from './stats-chart.tsx';

const GROUPS = [
  { id: 'TYPE', label: 'By type' },
  { id: 'HOUR', label: 'By hour (UTC)' },
] as const;

/** Counts of the filter's events from `eventStats`, by type or by hour. */
export function StatsPanel({ filter }: { filter: Record<string, unknown> }) {
  const [groupBy, setGroupBy] = useState<'TYPE' | 'HOUR'>('TYPE');
  const stats = useRequest<{ eventStats: { key: string; count: number }[] }>(
    STATS,
    { filter, groupBy },
    `${JSON.stringify(filter)}|${groupBy}`,
  );
  return (
    <section class="panel" aria-labelledby="stats-title">
      <h2 id="stats-title">Counts</h2>
      <fieldset class="segmented">
        <legend class="visually-hidden">Group counts</legend>
        {GROUPS.map((group) => (
          <label key={group.id}>
            <input
              type="radio"
              name="group-by"
              value={group.id}
              checked={groupBy === group.id}
              onChange={() => setGroupBy(group.id)}
            />
            {group.label}
          </label>
        ))}
      </fieldset>
      {stats.error && (
        <p role="alert" class="error">
          {stats.error}
        </p>
      )}
      {stats.data && (
        <StatsChart
          stats={stats.data.eventStats}
          title={`Matching events ${groupBy === 'TYPE' ? 'by type' : 'by hour'}`}
        />
      )}
    </section>
  );
}
