/** Exit codes of `event-hub`: scripts branch on them. */
export const ExitCode = { OK: 0, ERROR: 1, USAGE: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure the CLI reports in one line on stderr and exits on: `code` is the hub's error code
 * when the hub gave one (UNAUTHENTICATED, BAD_USER_INPUT, …), so `--json` callers can branch on it.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: string;
  readonly exitCode: ExitCode;
  /** The hub error's other `extensions` (`retryAfterMs`, …). */
  readonly details: Record<string, unknown>;

  constructor(
    message: string,
    {
      code = 'ERROR',
      exitCode = ExitCode.ERROR,
      details = {},
    }: { code?: string | undefined; exitCode?: ExitCode; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** A flag or argument the user got wrong: exit 2, as for an unknown flag. */
export const usageError = (message: string) => new CliError(message, { code: 'USAGE', exitCode: ExitCode.USAGE });
