import type { FromEnd, ToEnd } from './protocol.ts';
import { createPublisher } from './publisher.ts';
import { createSubscriber } from './subscriber.ts';

/**
 * Child process entry for one end of an S5 path: `publisher` or
 * `subscriber`. Answers each command with its id; stops on `stop`.
 */
const role = process.argv[2];
if (role !== 'publisher' && role !== 'subscriber')
  throw new Error(`unknown role ${String(role)}; use publisher or subscriber`);

const send = (message: FromEnd) => process.send!(message);
const publisher = role === 'publisher' ? createPublisher() : null;
const subscriber = role === 'subscriber' ? createSubscriber() : null;
const end = publisher ?? subscriber!;

async function handle(message: ToEnd): Promise<FromEnd> {
  switch (message.cmd) {
    case 'connect':
      await end.connect(message.target);
      return { id: message.id, ok: true };
    case 'disconnect':
      await end.disconnect();
      return { id: message.id, ok: true };
    case 'publishOne':
      await publisher!.publishOne(message.run, message.seq);
      return { id: message.id, ok: true };
    case 'publish':
      return { id: message.id, ok: true, report: await publisher!.publish(message.run, message.load) };
    case 'collect':
      return {
        id: message.id,
        ok: true,
        report: await subscriber!.collect(message.run, message.count, message.timeoutMs, message.latencies),
      };
    case 'stop':
      await end.disconnect();
      // exiting (not just idling) lets --cpu-prof write its profile
      setImmediate(() => process.exit(0));
      return { id: message.id, ok: true };
  }
}

process.on('message', (message: ToEnd) => {
  handle(message).then(send, (error: unknown) =>
    send({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ ready: true });
