import { CommanderError } from 'commander';
import { CliError, ExitCode } from './cli-error.ts';
import { createProgram } from './program.ts';

/** Commander's codes for a help or version request: not errors. */
const NOT_ERRORS = new Set([
  'commander.helpDisplayed',
  'commander.help',
  'commander.version',
  'commander.executeSubCommandAsync',
]);

/** Runs `event-hub` with `argv` and answers its exit code: 0 success, 1 an error, 2 a usage error. */
export async function run(argv: readonly string[]): Promise<ExitCode> {
  try {
    await createProgram().parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) return NOT_ERRORS.has(error.code) ? ExitCode.OK : ExitCode.USAGE; // commander printed why
    if (error instanceof CliError) {
      process.stderr.write(`event-hub: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`event-hub: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.ERROR;
  }
}

process.exitCode = await run(process.argv.slice(2));
