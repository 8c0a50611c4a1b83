// A pass-through HTTP proxy on 127.0.0.1 in front of the loopback engine that keeps a copy of every
// answer's text, which the engine's own log does not hold: the benchmark needs it to tell which
// answers became ghost text. It tags each request with a header the engine logs, so the two
// records join exactly, and it hangs up on the engine the moment the client hangs up, so
// cancellation reaches the engine as it would without the proxy.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const REQUEST_ID_HEADER = 'x-bench-request-id';

export interface ProxiedAnswer {
  readonly id: number;
  readonly path: string;
  readonly startedAt: number;
  /** First `response` text forwarded to the client. */
  firstTextAt?: number;
  endedAt?: number;
  /** Concatenated `response` fields of the NDJSON (or single JSON) body. */
  text: string;
  clientHungUp: boolean;
}

/** Answer text carried by one Ollama JSON object (`/api/generate` streams NDJSON lines of them). */
function responseText(json: string): string {
  try {
    const value = JSON.parse(json) as { response?: unknown };
    return typeof value.response === 'string' ? value.response : '';
  } catch {
    return '';
  }
}

export class RecordingProxy {
  private readonly server: http.Server;
  private readonly answers: ProxiedAnswer[] = [];
  private readonly open = new Set<http.ClientRequest>();
  private nextId = 1;

  private constructor(
    private readonly upstream: URL,
    private readonly now: () => number,
  ) {
    this.server = http.createServer((req, res) => this.forward(req, res));
  }

  static async start(upstream: string, now: () => number = Date.now): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(new URL(upstream), now);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Snapshot of every answer so far, in arrival order. */
  recorded(): ProxiedAnswer[] {
    return this.answers.map((a) => ({ ...a }));
  }

  /** Requests still waiting for the engine's answer. */
  get inFlight(): number {
    return this.open.size;
  }

  async stop(): Promise<void> {
    for (const request of this.open) request.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const record: ProxiedAnswer = { id: this.nextId++, path: new URL(req.url ?? '/', this.upstream).pathname, startedAt: this.now(), text: '', clientHungUp: false };
    this.answers.push(record);
    const upstream = http.request({
      host: this.upstream.hostname,
      port: this.upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: this.upstream.host, [REQUEST_ID_HEADER]: String(record.id) },
    });
    this.open.add(upstream);
    const finish = (): void => {
      record.endedAt ??= this.now();
      this.open.delete(upstream);
    };
    res.on('close', () => {
      if (res.writableFinished) return;
      record.clientHungUp = true;
      upstream.destroy();
      finish();
    });
    upstream.on('error', () => {
      finish();
      res.destroy();
    });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      let pending = '';
      answer.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        this.note(record, lines);
        res.write(chunk);
      });
      answer.on('end', () => {
        this.note(record, [pending]);
        finish();
        res.end();
      });
      answer.on('error', () => {
        finish();
        res.destroy();
      });
    });
    req.pipe(upstream);
  }

  private note(record: ProxiedAnswer, lines: string[]): void {
    for (const line of lines) {
      const text = line.trim() ? responseText(line) : '';
      if (!text) continue;
      record.firstTextAt ??= this.now();
      record.text += text;
    }
  }
}
