import type { Untyped } from './untyped.ts';

/** A door's answer as tests look at it: status, headers and the parsed JSON body (problem or result). */
export interface DoorAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON; null when the door answered with no body. */
  body: Untyped;
}

/** POSTs `body` to `${url}${path}` with `headers`; an API key, when given, as a bearer token. */
export async function postTo(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  apiKey?: string,
): Promise<DoorAnswer> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...headers, ...(apiKey && { authorization: `Bearer ${apiKey}` }) },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) };
}
