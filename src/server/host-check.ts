/**
 * DNS rebinding: a page on evil.example whose name is made to resolve to 127.0.0.1 talks to a hub
 * on the user's machine as if it were its own origin, so neither CORS nor the Origin check stops
 * it; only the `Host` it sends (evil.example) gives it away. A hub without API keys answers
 * everything with every scope, so it answers only requests addressed to a loopback name or
 * address. With keys the Host is not checked: a caller needs a key either way, and a hub behind
 * a proxy or load balancer is addressed by names the hub cannot know.
 */
export function createHostCheck(open: boolean): (host: string | undefined) => string | null {
  if (!open) return () => null;
  return (host) =>
    isLoopbackHost(host)
      ? null
      : `this hub has no API keys (HUB_API_KEYS), so it answers only requests addressed to localhost, 127.0.0.1 or [::1]; Host was ${JSON.stringify(host ?? '')}`;
}

/** A Host header: a name or IPv4 address, or a bracketed IPv6 address, and an optional port; nothing else. */
const HOST = /^(?<name>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/** localhost, *.localhost, 127.0.0.0/8 or [::1], with or without a port and a final dot. */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = HOST.exec(host ?? '')
    ?.groups?.['name']?.toLowerCase()
    .replace(/\.$/, '');
  if (name === undefined) return false;
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(name)
  );
}
