// GET /console serves the built console from the package, with a policy that lets the page load
// and connect to nothing but the hub; nothing else under /console reaches the filesystem.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestHub } from '../support/hub.ts';

describe('the console door', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => (hub = await startTestHub()));
  after(() => hub.stop());

  it('redirects /console to /console/ and serves the page with a same-origin content security policy', async () => {
    const redirect = await fetch(`${hub.url}/console`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/console/');
    const page = await fetch(`${hub.url}/console/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
      assert.ok(csp.includes(directive), csp);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    assert.ok(!/https?:\/\//.test(html), 'the page names no other host');
  });

  it('serves every built asset with its type and a long cache, and the page loads nothing from elsewhere', async () => {
    const [script] = readdirSync(new URL('../../console/dist/assets', import.meta.url)).filter((name) =>
      name.endsWith('.js'),
    );
    const answer = await fetch(`${hub.url}/console/assets/${script}`);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(answer.headers.get('cache-control') ?? '', /immutable/);
    assert.ok(!/(src|href)=["']https?:/i.test(await answer.text()), 'no script or style from a CDN');
  });

  it('answers 404 for files that were not built, and never reads outside the build', async () => {
    const missing = await fetch(`${hub.url}/console/assets/nothing.js`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).code, 'NOT_FOUND');
    for (const path of [
      '/console/%2e%2e/package.json',
      '/console/..%2f..%2fpackage.json',
      '/console/assets/../../../package.json',
    ]) {
      const answer = await fetch(`${hub.url}${path}`);
      assert.notEqual(answer.status, 200, path);
    }
  });

  it('refuses methods other than GET and HEAD with 405', async () => {
    const answer = await fetch(`${hub.url}/console/`, { method: 'POST', body: '{}' });
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.get('allow'), 'GET, HEAD');
  });

  it('is not served with HUB_CONSOLE=false', async (t) => {
    const off = await startTestHub({ HUB_CONSOLE: 'false' });
    t.after(() => off.stop());
    assert.equal((await fetch(`${off.url}/console/`)).status, 404);
  });
});
