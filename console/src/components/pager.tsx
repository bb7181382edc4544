/** Previous / next page buttons for cursor pages. */
export function Pager({
  page,
  hasNext,
  onPrevious,
  onNext,
  label,
}: {
  page: number;
  hasNext: boolean;
  onPrevious(): void;
  onNext(): void;
  label: string;
}) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="secondary" disabled={page === 0} onClick={onPrevious}>
        Previous page
      </button>
      <span>Page {page + 1}</span>
      <button type="button" class="secondary" disabled={!hasNext} onClick={onNext}>
        Next page
      </button>
    </nav>
  );
}
