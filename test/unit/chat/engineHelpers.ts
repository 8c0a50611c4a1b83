import * as net from 'node:net';

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Drains an async iterable, failing if it takes longer than `timeoutMs` (no test may hang on a stream). */
export async function drain<T>(source: AsyncIterable<T>, timeoutMs: number, onItem?: (item: T) => void): Promise<T[]> {
  const items: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stream did not end within ${timeoutMs} ms; got ${JSON.stringify(items).slice(0, 400)}`)), timeoutMs);
  });
  const consume = (async () => {
    for await (const item of source) {
      items.push(item);
      onItem?.(item);
    }
    return items;
  })();
  try {
    return await Promise.race([consume, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
