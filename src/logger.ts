import { pino, type Logger } from 'pino';

export type { Logger };

/** The one logger; components take `log.child({ component })`. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'event-hub' }, redact: ['req.headers.authorization', 'authorization'] };
  return destination ? pino(options, destination) : pino(options);
}
