import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server on 127.0.0.1 that answers 500 and records every request it gets (method, path, authorization). */
export interface RecordingServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** Starts a recording server: the stand-in for whatever a hostile workspace points Tandem at. */
export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} authorization=${req.headers.authorization ?? ''}`);
    req.resume();
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
