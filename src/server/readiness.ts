import type { EventBus } from '../bus/event-bus.ts';
import type { EventStore } from '../store/event-store.ts';

/** Names the dependencies that do not answer within a second (`/readyz`). */
export async function readiness(store: EventStore, bus: EventBus): Promise<string[]> {
  const check = async (name: string, ping: () => Promise<void>) => {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref());
    try {
      await Promise.race([ping(), timeout]);
      return null;
    } catch {
      return name;
    }
  };
  const down = await Promise.all([check('store', () => store.ping()), check('bus', () => bus.ping())]);
  return down.filter((name): name is string => name !== null);
}
