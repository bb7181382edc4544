import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run the hub in this process, as npm start does; configured by the environment (see docs/OPERATIONS.md)',
    )
    .option('-p, --port <port>', 'listen on this port (PORT)')
    .option('--host <host>', 'listen on this address (HOST)')
    .action(async (options: { port?: string; host?: string }) => {
      // The hub reads only its environment; the flags are shorthands for two of its variables.
      if (options.port !== undefined) process.env['PORT'] = options.port;
      if (options.host !== undefined) process.env['HOST'] = options.host;
      await import('../../main.ts');
      await new Promise<never>(() => {}); // the hub runs until SIGTERM / SIGINT, which main handles
    });
}
