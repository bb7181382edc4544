import { Command, Option } from 'commander';
import { registerDeadLetters } from './commands/dead-letters.ts';
import { registerEndpoints } from './commands/endpoints.ts';
import { registerEvents } from './commands/events.ts';
import { registerExport } from './commands/export.ts';
import { registerPublish } from './commands/publish.ts';
import { registerReplay } from './commands/replay.ts';
import { registerServe } from './commands/serve.ts';
import { registerTail } from './commands/tail.ts';

/**
 * `event-hub`: a client of the hub's public API (GraphQL over HTTP and graphql-ws, GET /export),
 * never a second way into its store. Usage errors are thrown (exitOverride) so main can exit 2.
 */
export function createProgram(): Command {
  const program = new Command('event-hub')
    .description('publish, follow, search, export and replay the events of an event hub')
    .addOption(new Option('--url <url>', 'the hub').env('HUB_URL').default('http://127.0.0.1:4000'))
    .addOption(new Option('--token <token>', 'API key or JWT').env('HUB_TOKEN'))
    .option('--json', 'data as JSON lines on stdout (messages and progress stay on stderr)')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  program.configureHelp({ showGlobalOptions: true });
  registerServe(program);
  registerPublish(program);
  registerTail(program);
  registerEvents(program);
  registerExport(program);
  registerReplay(program);
  registerDeadLetters(program);
  registerEndpoints(program);
  return program;
}
