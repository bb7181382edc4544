/** Horizontal SVG bars of counts by key; hand-drawn, so the console carries no chart library. */
export function StatsChart({ stats, title }: { stats: readonly { key: string; count: number }[]; title: string }) {
  if (!stats.length) return <p class="empty">Nothing to count.</p>;
  const shown = stats.slice(0, 24);
  const max = Math.max(...shown.map((s) => s.count));
  const row = 22;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 600 ${shown.length * row}`}
        role="img"
        aria-label={`${title}: ${shown.map((s) => `${s.key} ${s.count}`).join(', ')}`}
      >
        {shown.map((stat, i) => (
          <g key={stat.key} transform={`translate(0 ${i * row})`}>
            <text x="0" y="15" class="chart-key">
              {stat.key.length > 32 ? `${stat.key.slice(0, 31)}…` : stat.key}
            </text>
            <rect x="240" y="3" height="16" width={Math.max(2, (stat.count / max) * 300)} class="chart-bar" />
            <text x={248 + (stat.count / max) * 300} y="15" class="chart-count">
              {stat.count}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        {title}
        {stats.length > shown.length ? ` (first ${shown.length} of ${stats.length})` : ''}
      </figcaption>
    </figure>
  );
}
