/**
 * A place where code under test stops until the test lets it go on: pass `hold` as a fault hook,
 * await `reached` to know the code got there, then call `release`.
 */
export function gate() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  return {
    hold: async () => {
      arrive();
      await released;
    },
    reached,
    release,
  };
}
