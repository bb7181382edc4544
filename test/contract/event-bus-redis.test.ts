import { after } from 'node:test';
import { createRedisEventBus } from '../../src/bus/redis/index.ts';
import { createLogger } from '../../src/logger.ts';
import { testRedis } from '../support/servers.ts';
import { runEventBusContract } from './event-bus.contract.ts';

const redis = await testRedis({ after });
const log = createLogger('silent');
let made = 0;

// Two instances on a channel of their own, as two hub processes would hold.
runEventBusContract('Redis (the test run’s server unless REDIS_URL says otherwise)', async () => {
  const channel = `${redis.keyPrefix}events:${made++}`;
  const [bus, peer] = await Promise.all([
    createRedisEventBus({ url: redis.url, channel, log }),
    createRedisEventBus({ url: redis.url, channel, log }),
  ]);
  return {
    bus,
    peer,
    async close() {
      await Promise.all([bus.close(), peer.close()]);
    },
  };
});
