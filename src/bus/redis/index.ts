export {
  createRedisEventBus,
  DEFAULT_CHANNEL,
  type RedisEventBus,
  type RedisEventBusOptions,
} from './redis-event-bus.ts';
export { jsonEventSerializer, type EventSerializer } from './event-serializer.ts';
