/**
 * Rejects with a message naming `what` when `work` has not settled after
 * `ms`, so that a benchmark stuck on a server that stopped answering fails
 * (and cleans up in its `finally`) instead of hanging.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
