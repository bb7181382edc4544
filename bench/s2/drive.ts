/**
 * Sends `count` batches with `concurrency` of them in flight, each worker
 * taking the next batch as soon as its previous one is acknowledged. Returns
 * the seconds from the first send to the last acknowledgement.
 */
export async function drive(
  count: number,
  concurrency: number,
  send: (batch: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) await send(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return (performance.now() - started) / 1000;
}
