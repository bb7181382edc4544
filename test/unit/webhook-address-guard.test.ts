// The SSRF guard: which addresses a webhook may reach, checked at save and at each connection.
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import { checkWebhookUrl, guardedLookup, isRefusedAddress } from '../../src/delivery/address-guard.ts';
import { createWebhookClient } from '../../src/delivery/http-sender.ts';
import { webhookReceiver } from '../support/webhook-receiver.ts';

/** A resolver answering `addresses` for every name, as a DNS server under someone else's control might. */
const resolvingTo =
  (...addresses: string[]) =>
  (_host: string, callback: (error: NodeJS.ErrnoException | null, found: LookupAddress[]) => void) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('webhook address guard', () => {
  it('refuses loopback, private, link-local, CGNAT, unspecified and metadata addresses, in IPv4 and IPv6 forms', () => {
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.100.100.200',
      '0.0.0.0',
      '192.0.0.192',
      '::1',
      '::',
      'fc00::1',
      'fd00:ec2::254',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '224.0.0.1',
      'not-an-ip',
    ]) {
      assert.equal(isRefusedAddress(address), true, address);
    }
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      assert.equal(isRefusedAddress(address), false, address);
    }
  });

  it('refuses at save a URL whose host is or resolves to a refused address, unless private addresses are allowed', async () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest/meta-data',
      'https://10.0.0.5/',
    ]) {
      await assert.rejects(checkWebhookUrl(url, ['url'], false), { code: 'BAD_USER_INPUT' }, url);
    }
    await assert.rejects(checkWebhookUrl('http://hooks.example/', ['url'], false, resolvingTo('127.0.0.1')), {
      code: 'BAD_USER_INPUT',
    });
    await assert.rejects(
      checkWebhookUrl('http://localhost:9/', ['url'], false),
      { code: 'BAD_USER_INPUT' },
      'localhost resolves to loopback',
    );
    assert.equal(
      await checkWebhookUrl('http://hooks.example/in', ['url'], false, resolvingTo('93.184.216.34')),
      'http://hooks.example/in',
    );
    assert.equal(await checkWebhookUrl('http://127.0.0.1:8080/x', ['url'], true), 'http://127.0.0.1:8080/x');
  });

  it('connects only to an address it checked: a name that resolves to loopback at delivery reaches nothing', async (t) => {
    const receiver = await webhookReceiver(t);
    const port = new URL(receiver.url).port;
    const client = createWebhookClient({
      timeoutMs: 2000,
      maxSockets: 1,
      allowPrivate: false,
      lookup: guardedLookup(resolvingTo('127.0.0.1')),
    });
    t.after(() => client.close());
    const result = await client.post(`http://hooks.example:${port}/hook`, {}, '{}', new AbortController().signal);
    assert.equal(result.statusCode, undefined);
    assert.match(result.response, /may not reach/);
    const literal = await client.post(receiver.url, {}, '{}', new AbortController().signal);
    assert.match(literal.response, /may not reach/, 'an IP literal is checked too');
    assert.equal(receiver.requests.length, 0);
  });

  it('reads at most 1 KB of an answer and gives up on one that does not come in time', async (t) => {
    const receiver = await webhookReceiver(t);
    const client = createWebhookClient({ timeoutMs: 300, maxSockets: 2, allowPrivate: true });
    t.after(() => client.close());
    receiver.respond = () => ({ status: 500, body: 'y'.repeat(1_000_000) });
    const big = await client.post(receiver.url, {}, '{}', new AbortController().signal);
    assert.equal(big.statusCode, 500);
    assert.equal(big.response, 'y'.repeat(1024));
    receiver.respond = () => 'hang';
    const hung = await client.post(receiver.url, {}, '{}', new AbortController().signal);
    assert.equal(hung.statusCode, undefined);
    assert.match(hung.response, /no answer within 300 ms/);
  });
});
