import { Option, type Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { filterOf, withFilterOptions, type FilterFlags } from '../filter-options.ts';
import { graphql, type HubTarget } from '../hub-client.ts';
import { follow } from '../live.ts';
import { globalsOf, type Output } from '../output.ts';
import { createProgress } from '../progress.ts';

const JOB_FIELDS =
  'id status target dryRun progress processed failed total error cancelRequested handlers filter createdAt startedAt finishedAt';
const START = `mutation($input: StartReplayInput!) { startReplay(input: $input) { ${JOB_FIELDS} } }`;
const STATUS = `query($id: ID!) { replayJob(id: $id) { ${JOB_FIELDS} } }`;
const CANCEL = `mutation($id: ID!) { cancelReplay(id: $id) { ${JOB_FIELDS} } }`;
const WATCH = `subscription($id: ID!) { replayJob(id: $id) { ${JOB_FIELDS} } }`;

interface ReplayJob {
  id: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  progress: number;
  processed: number;
  failed: number;
  total: number | null;
  error: string | null;
  [field: string]: unknown;
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

const jobLine = (job: ReplayJob) =>
  `${job.id}  ${job.status}  ${Math.round(job.progress * 100)}%  processed ${job.processed}  failed ${job.failed}  total ${job.total ?? '?'}${job.error ? `  error: ${job.error}` : ''}`;

export function registerReplay(program: Command): void {
  const replay = program
    .command('replay')
    .description('replay stored events to handlers or subscribers, and watch or cancel a replay');
  withFilterOptions(
    replay
      .command('start')
      .description('start a replay and follow its progress until it ends (--detach: print the job and return)')
      .addOption(
        new Option('--target <target>', 'HANDLERS re-runs handlers; REPUBLISH publishes the events again')
          .choices(['HANDLERS', 'REPUBLISH'])
          .makeOptionMandatory(),
      )
      .option(
        '--handler <name>',
        'with HANDLERS: only this handler (repeatable)',
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option('--dry-run', 'only count the matching events and keep a sample')
      .option('--detach', 'print the started job and return without following it'),
  ).action(
    async (
      options: FilterFlags & { target: string; handler?: string[]; dryRun?: boolean; detach?: boolean },
      command: Command,
    ) => {
      const { target, out } = globalsOf(command);
      const input = {
        target: options.target,
        filter: filterOf(options) ?? {},
        dryRun: options.dryRun === true,
        ...(options.handler && { handlers: options.handler }),
      };
      const { startReplay: job } = await graphql<{ startReplay: ReplayJob }>(target, START, { input });
      if (options.detach) return out.data(job, jobLine);
      out.say(`replay ${job.id} started`);
      done(out, await watch(target, job.id, out));
    },
  );
  replay
    .command('status')
    .description('show a replay job; --watch follows it until it ends')
    .argument('<id>', 'the job id')
    .option('--watch', 'follow its progress live until it ends')
    .action(async (id: string, options: { watch?: boolean }, command: Command) => {
      const { target, out } = globalsOf(command);
      const { replayJob: job } = await graphql<{ replayJob: ReplayJob | null }>(target, STATUS, { id });
      if (!job) throw new CliError(`no replay job ${id} in your tenant`, { code: 'NOT_FOUND' });
      done(out, options.watch && !FINAL.has(job.status) ? await watch(target, id, out) : job);
    });
  replay
    .command('cancel')
    .description('cancel a replay (it stops within a second)')
    .argument('<id>', 'the job id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { target, out } = globalsOf(command);
      out.data((await graphql<{ cancelReplay: ReplayJob }>(target, CANCEL, { id })).cancelReplay, jobLine);
    });
}

/** Follows Subscription.replayJob (reconnecting if the socket drops) until a final status; a bar on a terminal. */
async function watch(target: HubTarget, id: string, out: Output): Promise<ReplayJob> {
  const progress = createProgress(process.stderr.isTTY === true, { total: 100, unit: '%' });
  let last: ReplayJob | undefined;
  try {
    await follow<{ replayJob: ReplayJob }>({
      target,
      query: WATCH,
      variables: () => ({ id }),
      endsOnComplete: true,
      onReconnect: (reason) => out.say(`${reason}; watching replay ${id} again`),
      onData: ({ replayJob: job }) => {
        if (!process.stderr.isTTY && job.status !== last?.status) out.say(`replay ${id}: ${job.status}`);
        last = job;
        progress.update(Math.round(job.progress * 100));
        return FINAL.has(job.status);
      },
    });
  } finally {
    progress.stop();
  }
  if (!last) throw new CliError(`replay ${id} sent no status`, { code: 'ERROR' });
  return last;
}

/** Prints the job; a FAILED one is an error (exit 1). */
function done(out: Output, job: ReplayJob): void {
  out.data(job, jobLine);
  if (job.status === 'FAILED')
    throw new CliError(`replay ${job.id} failed: ${job.error ?? 'no reason given'}`, { code: 'REPLAY_FAILED' });
}
