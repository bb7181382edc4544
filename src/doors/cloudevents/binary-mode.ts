import type { IncomingHttpHeaders } from 'node:http';
import { badInput } from '../../errors.ts';
import { isJsonMediaType, notJson, type CloudEventObject } from './cloud-event.ts';

const PREFIX = 'ce-';

/**
 * A binary-mode CloudEvent: every attribute in a `ce-<name>` header, `Content-Type` as
 * `datacontenttype`, the body as `data`. Header values are unquoted (an RFC 7230 quoted string)
 * and percent-decoded once; a value that does not decode to UTF-8 is refused with its attribute's path.
 * Data other than JSON is refused with 415 before anything is parsed.
 */
export function fromBinaryMode(headers: IncomingHttpHeaders, body: Buffer): CloudEventObject {
  const contentType = headers['content-type'];
  if (contentType !== undefined && !isJsonMediaType(contentType))
    throw notJson(`Content-Type ${contentType.slice(0, 100)}`);
  const event: CloudEventObject = {};
  for (const [header, raw] of Object.entries(headers)) {
    if (!header.startsWith(PREFIX) || raw === undefined) continue;
    const name = header.slice(PREFIX.length);
    if (name === 'datacontenttype')
      throw badInput(
        'datacontenttype: in binary mode it is the Content-Type header; ce-datacontenttype must not be sent',
        [name],
      );
    event[name] = headerValue(Array.isArray(raw) ? raw.join(', ') : raw, name);
  }
  if (contentType !== undefined) event['datacontenttype'] = contentType;
  if (body.length > 0) event['data'] = parseData(body);
  return event;
}

/** The body as JSON: with no Content-Type too, which CloudEvents' JSON rules read as application/json. */
function parseData(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badInput('data: the body is not valid JSON', ['data']);
  }
}

function headerValue(raw: string, name: string): string {
  let text = raw.trim();
  // older senders quote values instead of percent-encoding spaces and quotes
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).replace(/\\(.)/g, '$1');
  try {
    return decodeURIComponent(text);
  } catch {
    throw badInput(`${name}: the ce-${name} header is not percent-encoded UTF-8`, [name]);
  }
}
