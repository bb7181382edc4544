/** A JSON value, pretty-printed in a labelled, scrollable block that the keyboard can reach to scroll. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll container must be focusable for keyboard users to scroll it (WCAG 2.1.1); the rule knows no scroll containers
    <section class="json" tabIndex={0} aria-label={label}>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </section>
  );
}
