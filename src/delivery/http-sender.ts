import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { guardedLookup, isRefusedAddress, RefusedAddress } from './address-guard.ts';

/** Bytes of an answer's body kept (`lastResponse`); the rest is never read. */
export const RESPONSE_CAP_BYTES = 1024;

export interface PostResult {
  /** Absent when no answer came: timeout, refused connection, refused address. */
  statusCode?: number;
  latencyMs: number;
  /** The first RESPONSE_CAP_BYTES of the body, or why there was no answer. */
  response: string;
}

export interface WebhookClient {
  /** One POST, never rejecting: what came back, or why nothing did, within `timeoutMs`. */
  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostResult>;
  /** Closes the kept-alive connections. */
  close(): void;
}

export interface WebhookClientOptions {
  timeoutMs: number;
  /** Requests under way at once, and so connections kept. */
  maxSockets: number;
  /** HUB_WEBHOOK_ALLOW_PRIVATE: no address check at all. */
  allowPrivate: boolean;
  /** The DNS lookup used for every new connection. Default: the system's, with refused addresses dropped. */
  lookup?: LookupFunction;
}

/**
 * The HTTP client of one endpoint: its own kept-alive connections (so a
 * slow endpoint holds only its own sockets), no redirects followed (a 3xx is
 * a failed attempt, and cannot lead the hub elsewhere), every answer cut at
 * 1 KB and bounded in time. Each new connection goes through the guarded
 * lookup, which connects to the address it checked.
 */
export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const lookup = options.allowPrivate ? undefined : (options.lookup ?? guardedLookup());
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    timeout: options.timeoutMs,
    ...(lookup && { lookup }),
  };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  function post(raw: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostResult> {
    const started = performance.now();
    const done = (result: Omit<PostResult, 'latencyMs'>): PostResult => ({
      ...result,
      latencyMs: Math.round(performance.now() - started),
    });
    const url = new URL(raw);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // An IP literal is connected to without a lookup: checked here instead.
    if (!options.allowPrivate && isIP(host) && isRefusedAddress(host)) {
      return Promise.resolve(
        done({ response: new RefusedAddress(`${host} is an address webhooks may not reach`).message }),
      );
    }
    return new Promise<PostResult>((resolve) => {
      let settled = false;
      const finish = (result: Omit<PostResult, 'latencyMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(done(result));
      };
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(url, {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      const onAbort = () => request.destroy(new Error('delivery stopped: the hub is shutting down'));
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => finish({ response: describe(error) }));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const end = () =>
          finish({ statusCode: response.statusCode ?? 0, response: Buffer.concat(chunks).toString('utf8') });
        response.on('data', (chunk: Buffer) => {
          if (kept >= RESPONSE_CAP_BYTES) return;
          chunks.push(chunk.subarray(0, RESPONSE_CAP_BYTES - kept));
          kept += Math.min(chunk.length, RESPONSE_CAP_BYTES - kept);
          // Enough: the rest is not read (the connection is dropped rather than drained).
          if (kept >= RESPONSE_CAP_BYTES) {
            end();
            response.destroy();
          }
        });
        response.on('end', end);
        response.on('error', end);
      });
      request.end(body);
    });
  }

  return {
    post,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** Why there was no answer, in a line: the error's code when it has one. */
function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' ? `${code}: ${error.message}` : error.message).slice(0, RESPONSE_CAP_BYTES);
}
