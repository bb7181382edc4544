// bench:idle's child for the built hub: runs dist/hub/main.js in this process, as
// `npm run start:built` does, and answers the bench's `stats`, `gc` and `stop` calls over IPC
// (the protocol of bench/live-support/ipc.ts). Plain JavaScript, started without tsx, so the
// memory it reports is the built hub's alone.
process.on('message', ({ call, cmd }) => {
  if (cmd === 'stop') process.exit(0);
  else if (cmd === 'gc') {
    globalThis.gc?.();
    process.send({ call, value: null });
  } else if (cmd === 'stats') {
    const { rss, heapUsed, external } = process.memoryUsage();
    const sched = { runNs: 0, waitNs: 0 };
    process.send({ call, value: { rss, heapUsed, external, cpu: process.cpuUsage(), sched, subscriptions: 0 } });
  } else process.send({ call, error: `unknown command ${cmd}` });
});
await import('../../dist/hub/main.js');
process.send({ ready: null });
