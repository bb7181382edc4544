import { ErrorCode, HubError } from '../errors.ts';
import { encodePosition } from '../events/position.ts';

/** Where a subscription that is ended resumes from without losing anything. */
export interface ResumePoint {
  /** The last position the client received, or the one just before the first it missed. */
  after: number;
  /** Which of the two `after` is. */
  received: boolean;
}

const which = ({ received }: ResumePoint) =>
  received ? 'the last position it received' : 'just before the first event it missed';

/** The consumer did not keep up; the position tells it where to resume without losing anything. */
export function slowConsumer(after: number, received: boolean, bufferSize: number): HubError {
  const cursor = encodePosition(after);
  return new HubError(
    ErrorCode.SLOW_CONSUMER,
    `the subscriber fell more than ${bufferSize} events behind and was disconnected; resume with after: "${cursor}" (${which({ after, received })})`,
    { extensions: { after: cursor, bufferSize } },
  );
}

/**
 * The connection's client left more than `bufferBytes` unread, so every
 * subscription on it ends; each one's `after` is its own resume position.
 */
export function connectionOverflow(resume: ResumePoint, bufferBytes: number): HubError {
  const cursor = encodePosition(resume.after);
  return new HubError(
    ErrorCode.SLOW_CONSUMER,
    `the connection held more than ${bufferBytes} bytes its client had not read, so its subscriptions were ended; resume with after: "${cursor}" (${which(resume)})`,
    { extensions: { after: cursor, bufferBytes } },
  );
}
