import autocannon from 'autocannon';

export interface FireOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** Requests in all. */
  amount: number;
  /** Replace `[<id>]` in the body with a fresh id per request (autocannon's idReplacement). */
  idReplacement?: boolean;
}

/**
 * POSTs `amount` requests over `connections` keep-alive connections and times them to the last
 * response: autocannon ends an `amount` run on its 1 s tick, which would pad the time.
 */
export function fire({
  url,
  headers,
  body,
  connections,
  amount,
  idReplacement = false,
}: FireOptions): Promise<{ result: autocannon.Result; seconds: number }> {
  const started = performance.now();
  let finished = 0;
  let answered = 0;
  return new Promise((resolve, reject) => {
    const options = {
      url,
      method: 'POST',
      headers,
      body,
      idReplacement,
      connections,
      pipelining: 1,
      amount,
      timeout: 30,
    } as const;
    const instance = autocannon(options, (error: unknown, result) => {
      if (error) return reject(error as Error);
      resolve({ result, seconds: ((finished || performance.now()) - started) / 1000 });
    });
    instance.on('response', () => {
      if (++answered === amount) finished = performance.now();
    });
  });
}
