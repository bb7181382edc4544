import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { runEventBusContract } from './event-bus.contract.ts';

// One process has one bus: the "other instance" is the same object.
runEventBusContract('the in-process bus', async () => {
  const bus = createInProcessEventBus();
  return { bus, peer: bus, close: () => bus.close() };
});
