import { startBareServer } from './bare-server.ts';
import { SERVER_KINDS, type BenchServer, type FromServer, type ServerKind, type ToServer } from './bench-server.ts';
import { startHubServer } from './hub-server.ts';
import { startStockYogaServer } from './stock-yoga-server.ts';

/** Child process entry: starts one server kind, reports its URL, answers `head`, stops on `stop`. */
const starters: Record<ServerKind, () => Promise<BenchServer>> = {
  hub: startHubServer,
  bare: startBareServer,
  yoga: startStockYogaServer,
};

const kind = process.argv[2] as ServerKind;
if (!SERVER_KINDS.includes(kind))
  throw new Error(`unknown server kind ${String(kind)}; use one of ${SERVER_KINDS.join(', ')}`);

const send = (message: FromServer) => process.send!(message);
const server = await starters[kind]();
process.on('message', (message: ToServer) => {
  if (message.cmd === 'head') void server.head().then((head) => send({ id: message.id, head }));
  // exiting (not just closing) lets --cpu-prof write its profile
  if (message.cmd === 'stop') void server.close().finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
send({ ready: server.url });
