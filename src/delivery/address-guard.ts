import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { badInput } from '../errors.ts';

/**
 * Addresses a webhook may not reach unless HUB_WEBHOOK_ALLOW_PRIVATE is on
 * (SSRF): the hub's own host, the networks behind it and cloud metadata
 * services (169.254.169.254 and 100.100.100.200 sit in link-local and CGNAT,
 * fd00:ec2::254 in unique-local).
 */
const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // unspecified, "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments (Oracle cloud metadata at 192.0.0.192)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking networks
  ['224.0.0.0', 3], // multicast, reserved, broadcast
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv6');
}

/** IPv6 forms that carry an IPv4 address in their last 32 bits: IPv4-mapped, IPv4-compatible, NAT64. */
const EMBEDDING = [
  { words: [0, 0, 0, 0, 0, 0xffff] },
  { words: [0, 0, 0, 0, 0, 0] },
  { words: [0x64, 0xff9b, 0, 0, 0, 0] },
];

/** The eight 16-bit words of an IPv6 address (dotted IPv4 tails included). */
function ipv6Words(address: string): number[] {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const left = part(head);
  const right = part(tail);
  return tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** True when `address` (an IP literal) is one a webhook may not reach. */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return REFUSED.check(address, 'ipv4');
  if (family !== 6) return true;
  if (REFUSED.check(address, 'ipv6')) return true;
  const words = ipv6Words(address);
  const embedding = EMBEDDING.find(({ words: start }) => start.every((word, i) => words[i] === word));
  if (!embedding) return false;
  const v4 = [words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff].join('.');
  return REFUSED.check(v4, 'ipv4');
}

/** Raised by the guarded lookup; a delivery records it as the reason there was no answer. */
export class RefusedAddress extends Error {
  override readonly name = 'RefusedAddress';
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
}

type Resolver = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;
const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * A `lookup` for sockets that resolves the host, drops the refused
 * addresses and connects to the first one left: the address checked is the
 * address connected to, so a DNS answer that changes between a check and the
 * connection cannot slip a private address in. None left: RefusedAddress.
 */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter(
        (a) => !isRefusedAddress(a.address) && (!options.family || a.family === options.family),
      );
      if (allowed.length === 0)
        return callback(new RefusedAddress(`${hostname} resolves only to addresses webhooks may not reach`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

const MAX_URL_LENGTH = 2048;

/**
 * Checks a webhook URL as it is saved: http or https, at most 2048
 * characters, and (unless `allowPrivate`) a host that is not a refused IP
 * literal and resolves to at least one address webhooks may reach. Throws
 * BAD_USER_INPUT under `path`. The check holds again at each delivery.
 */
export async function checkWebhookUrl(
  raw: string,
  path: readonly string[],
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<string> {
  if (raw.length > MAX_URL_LENGTH) throw badInput(`url may be at most ${MAX_URL_LENGTH} characters`, path);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badInput('url is not an absolute URL', path);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput('url must be http or https', path);
  if (allowPrivate) return url.href;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) {
    if (isRefusedAddress(host))
      throw badInput('url points at a loopback, private, link-local or metadata address', path);
    return url.href;
  }
  const addresses = await new Promise<LookupAddress[]>((done) =>
    resolve(host, (error, found) => done(error ? [] : found)),
  );
  if (addresses.length === 0) throw badInput(`url's host ${host} does not resolve`, path);
  if (addresses.every((a) => isRefusedAddress(a.address)))
    throw badInput('url resolves to a loopback, private, link-local or metadata address', path);
  return url.href;
}
