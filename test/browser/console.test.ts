// The console in a real browser (Debian's Chromium through playwright-core), against an
// in-process hub with handlers of its own: sign in, live, search, an event's causes and effects,
// dead letters, replays, handlers, a refused key, and the phone layout. Each view's screenshot
// is written to docs/console/, so the README's pictures come from this run.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import type { HubHandler } from '../../src/handlers/handler.ts';
import {
  APPEAR_MS,
  DESKTOP,
  launchChromium,
  PHONE,
  pageWidth,
  signedInContext,
  watchForText,
} from '../support/browser.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';

const SHOTS = new URL('../../docs/console/', import.meta.url);
const shoot = (page: Page, name: string) =>
  page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
const APPEAR = { timeout: APPEAR_MS };

let healed = false;
const handlers: HubHandler[] = [
  {
    name: 'bt-shipper',
    eventTypes: ['bt.order.placed'],
    priority: 0,
    async handle(event, ctx) {
      await ctx.publish({
        type: 'bt.shipment.requested',
        ...(event.subject !== undefined && { subject: event.subject }),
        payload: { order: event.id },
        metadata: { idempotencyKey: `ship:${event.id}` },
      });
    },
  },
  {
    name: 'bt-payments',
    eventTypes: ['bt.payment.failed'],
    priority: 0,
    async handle(event) {
      if (!healed) throw new Error(`card declined for ${String(event.payload['order'])}`);
    },
  },
];

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

describe('the console in Chromium', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let browser: Browser;
  const publish = async (input: Record<string, unknown>) => {
    const answer = await gql(hub.url, PUBLISH, { input: publishInput(input) }, TEST_KEYS.acme);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    return answer.data!['publishEvent'].event as { id: string; position: string };
  };
  const open = async (view: string, viewport: { width: number; height: number } = DESKTOP) => {
    const context = await signedInContext(browser, TEST_KEYS.acme, viewport);
    const page = await context.newPage();
    await page.goto(`${hub.url}/console/#/${view}`);
    return page;
  };

  /**
   * The live view subscribes from "now" once the page has loaded: an event counts only once the
   * subscription is live, known when a warm-up event published then shows up. Published again
   * each second until one does.
   */
  const untilLive = async (page: Page) => {
    const deadline = Date.now() + APPEAR_MS;
    for (;;) {
      await publish({ type: 'bt.warmup.made' });
      const shown = await page
        .getByText('bt.warmup.made')
        .first()
        .waitFor({ timeout: 1000 })
        .then(
          () => true,
          () => false,
        );
      if (shown) return;
      if (Date.now() > deadline) assert.fail('the live view received no event');
    }
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const env = { HUB_HANDLER_MAX_ATTEMPTS: '1', HUB_HANDLER_POLL_MS: '200', HUB_REPLAY_POLL_MS: '200' };
    [hub, browser] = await Promise.all([startTestHub(env, { handlers }), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('signs in with a key typed into a password field, using the keyboard alone, and keeps it for the tab only', async () => {
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await page.goto(`${hub.url}/console/`);
    const field = page.getByLabel('API key or JWT');
    assert.equal(await field.getAttribute('type'), 'password');
    await shoot(page, 'sign-in');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'credential');
    await page.keyboard.type(TEST_KEYS.acme);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Live' }).waitFor(APPEAR);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('event-hub-console.credential')), TEST_KEYS.acme);
    assert.equal(await page.evaluate(() => localStorage.length + document.cookie.length), 0);
    await page.context().close();
  });

  it('says clearly that a wrong key was refused, and stays on the sign-in form', async () => {
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await page.goto(`${hub.url}/console/`);
    await page.getByLabel('API key or JWT').fill('not-a-key-of-this-hub-0000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor(APPEAR);
    assert.match(await alert.innerText(), /^Sign-in refused: /);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await shoot(page, 'sign-in-refused');
    await page.context().close();
  });

  it('shows an event in Live within 1 s of its publish, and resumes after a pause without a gap', async () => {
    const page = await open('live');
    await untilLive(page);
    const subject = `live/${Date.now()}`;
    const seen = await watchForText(page, subject);
    const publishedAt = Date.now();
    await publish({ type: 'bt.live.seen', subject });
    const shownAfter = (await seen()) - publishedAt;
    process.stderr.write(`live: shown ${shownAfter} ms after the publish\n`);
    assert.ok(shownAfter <= 1000, `shown ${shownAfter} ms after the publish`);

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('live-status').filter({ hasText: 'Paused' }).waitFor(APPEAR);
    await publish({ type: 'bt.live.missed', subject: `${subject}/while-paused` });
    const resumed = await watchForText(page, `${subject}/while-paused`);
    await page.getByRole('button', { name: 'Resume' }).click();
    await resumed();
    await shoot(page, 'live');
    await page.context().close();
  });

  it('keeps at most 200 events on the page and stays responsive while 1,000 events a second arrive', async () => {
    const page = await open('live');
    await untilLive(page);
    // A string, not a function: tsx names inner functions with a helper the page does not have.
    await page.evaluate(`(() => {
      window.__maxGap = 0;
      let last = performance.now();
      const tick = (now) => { window.__maxGap = Math.max(window.__maxGap, now - last); last = now; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    const batch = (n: number) =>
      Array.from({ length: 100 }, (_, i) =>
        publishInput({
          type: 'bt.flood.made',
          subject: n === 19 && i === 99 ? 'flood/end' : 'flood',
          payload: { n, i },
        }),
      );
    for (let n = 0; n < 20; n++) {
      const started = Date.now();
      await gql(
        hub.url,
        'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }',
        { input: batch(n) },
        TEST_KEYS.acme,
      );
      await sleep(Math.max(0, 100 - (Date.now() - started))); // 100 events per 100 ms
    }
    await page.getByText('flood/end').waitFor(APPEAR);
    assert.match(await page.getByText(/received/).innerText(), /^20\d\d received, newest 200 shown$/);
    const rows = await page.locator('tbody tr').count();
    const maxGap = await page.evaluate(() => (window as unknown as { __maxGap: number }).__maxGap);
    process.stderr.write(`live flood: ${rows} rows on the page, longest frame gap ${Math.round(maxGap)} ms\n`);
    assert.ok(rows <= 200, `${rows} rows`);
    assert.ok(maxGap < 1000, `the page stalled ${Math.round(maxGap)} ms`);
    await page.context().close();
  });

  it('finds an event by subject in Search, then shows its cause, its effects and what each handler did', async () => {
    const subject = `order/${Date.now()}`;
    const order = await publish({ type: 'bt.order.placed', subject, payload: { total: 42 } });
    await until(
      () =>
        gql(
          hub.url,
          'query($id: ID!) { event(id: $id) { caused { edges { node { id } } } } }',
          { id: order.id },
          TEST_KEYS.acme,
        ),
      (answer) => answer.data?.['event']?.caused.edges.length === 1,
      'the follow-up of bt-shipper',
    );
    const page = await open('search');
    await page.getByLabel('Subject').fill(subject);
    await page.getByRole('button', { name: 'Search' }).click();
    const link = page.getByRole('link', { name: 'bt.order.placed' });
    await link.waitFor(APPEAR);
    await page.locator('figure.chart').waitFor(APPEAR);
    await shoot(page, 'search');

    await link.click();
    await page.getByRole('heading', { name: 'bt.order.placed' }).waitFor(APPEAR);
    const caused = page.getByTestId('caused');
    await caused.getByRole('link', { name: 'bt.shipment.requested' }).waitFor(APPEAR);
    assert.equal(await page.getByTestId('caused-by').innerText(), 'nothing recorded');
    await page
      .getByRole('list', { name: 'Events of this correlation id' })
      .getByRole('link', { name: 'bt.shipment.requested' })
      .waitFor(APPEAR);
    await page.getByRole('cell', { name: 'bt-shipper' }).waitFor(APPEAR);
    assert.match(await page.getByRole('row', { name: /bt-shipper/ }).innerText(), /HANDLED/);
    await shoot(page, 'event');

    await caused.getByRole('link', { name: 'bt.shipment.requested' }).click();
    await page.getByTestId('caused-by').getByRole('link', { name: 'bt.order.placed' }).waitFor(APPEAR);
    await page.context().close();
  });

  it('redrives a dead letter, which leaves the list once its handler succeeds', async () => {
    const failed = await publish({ type: 'bt.payment.failed', payload: { order: 'o-17' } });
    const page = await open('dead-letters');
    const row = page.getByRole('row', { name: /bt\.payment\.failed/ });
    await row.waitFor(APPEAR);
    assert.match(await row.innerText(), /card declined for o-17/);
    await shoot(page, 'dead-letters');
    healed = true;
    await row.getByRole('button', { name: /^Redrive/ }).click();
    await page.getByRole('status').filter({ hasText: '1 dead letter queued for redrive.' }).waitFor(APPEAR);
    await row.waitFor({ state: 'detached', ...APPEAR });
    const outcome = await gql(
      hub.url,
      'query($id: ID!) { event(id: $id) { processing { handler status } } }',
      { id: failed.id },
      TEST_KEYS.acme,
    );
    assert.deepEqual(outcome.data?.['event'].processing, [{ handler: 'bt-payments', status: 'HANDLED' }]);
    await page.context().close();
  });

  it('previews a replay with its count, then runs it to COMPLETED with its progress on screen', async () => {
    const { data } = await gql(
      hub.url,
      '{ previewFilter(filter: { types: ["bt.order.placed"] }) { count } }',
      {},
      TEST_KEYS.acme,
    );
    const count = data!['previewFilter'].count as number;
    assert.ok(count >= 1);
    const page = await open('replays');
    await page.getByLabel(/^Types/).fill('bt.order.placed');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page
      .getByTestId('preview-count')
      .filter({ hasText: `${count} matching event` })
      .waitFor(APPEAR);
    await page.getByLabel(/^Handlers/).fill('bt-shipper');
    await page.getByRole('button', { name: 'Start replay' }).click();
    const progress = page.getByTestId('replay-progress');
    await progress.getByRole('progressbar').waitFor(APPEAR);
    await progress.getByTestId('replay-status').filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 60_000 });
    assert.equal(await progress.getByTestId('replay-percent').innerText(), '100%');
    assert.equal(await progress.getByTestId('replay-counts').innerText(), `${count} processed, 0 failed of ${count}`);
    await shoot(page, 'replays');
    await page.context().close();
  });

  it("lists each handler's lag, processed and failed counts", async () => {
    const page = await open('handlers');
    const row = page.getByRole('row', { name: /bt-shipper/ });
    await row.waitFor(APPEAR);
    assert.match(await row.innerText(), /bt\.order\.placed/);
    await shoot(page, 'handlers');
    await page.context().close();
  });

  it('fits a 390×844 phone screen without sideways scrolling', async () => {
    const order = await publish({ type: 'bt.order.placed', subject: `order/phone-${Date.now()}` });
    for (const [view, name] of [
      ['live', 'live-phone'],
      [`event/${order.id}`, 'event-phone'],
    ] as const) {
      const page = await open(view, PHONE);
      await page.getByRole('heading', { level: 1 }).waitFor(APPEAR);
      assert.ok((await pageWidth(page)) <= PHONE.width, `${view} is ${await pageWidth(page)} px wide`);
      await shoot(page, name);
      await page.context().close();
    }
  });
});
