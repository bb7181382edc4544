import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRoute } from './http-route.ts';
import { problem, sendProblem } from './problem.ts';

/** The built console in the package (`npm run console:build` writes it; it is committed). */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * Everything the page may load comes from the hub itself, and it opens sockets only to it: a
 * script injected through an event's payload could reach no other host with a credential.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Asset {
  body: Buffer;
  type: string;
}

/**
 * `GET /console`: the console's static files, read once from `root` into memory (a few tens of
 * KB). Only files that were there at the first request are served, so no path in a URL ever
 * reaches the filesystem. The console signs in with the caller's key or token in the browser;
 * this door itself needs none and serves nothing but the public page.
 */
export function createConsoleDoor({ root = CONSOLE_DIST }: { root?: string } = {}): HttpRoute {
  let assets: Promise<Map<string, Asset>> | null = null;
  return {
    name: 'GET /console',
    matches: (pathname) => pathname === '/console' || pathname.startsWith('/console/'),
    async handle(req: IncomingMessage, res: ServerResponse, pathname: string) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return sendProblem(res, problem(405, 'METHOD_NOT_ALLOWED', 'the console is read with GET'));
      }
      if (pathname === '/console') return void res.writeHead(308, { location: '/console/' }).end();
      assets ??= loadAssets(root).catch((error: unknown) => {
        assets = null; // built later (npm run console:build): try again on the next request
        throw error;
      });
      const files = await assets.catch(() => null);
      if (!files)
        return sendProblem(res, problem(404, 'NOT_FOUND', 'the console is not built: run npm run console:build'));
      const name = pathname.slice('/console/'.length) || 'index.html';
      const asset = files.get(name);
      if (!asset) return sendProblem(res, problem(404, 'NOT_FOUND', `no console file ${name.slice(0, 200)}`));
      // Built assets carry a content hash in their name; the page itself must be asked for again.
      const cache = name.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': asset.type,
        'content-length': asset.body.length,
        'cache-control': cache,
      });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    },
  };
}

async function loadAssets(root: string): Promise<Map<string, Asset>> {
  const files = new Map<string, Asset>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const name = relative(root, path).split(sep).join('/');
    files.set(name, { body: await readFile(path), type: TYPES[extname(name)] ?? 'application/octet-stream' });
  }
  if (!files.has('index.html')) throw new Error(`no index.html in ${root}`);
  return files;
}
