// An Ollama-compatible server whose "model" streams the true continuation of the file being typed,
// at the speed of a real model. It exercises the scheduler (typing through, acceptance, cache,
// stale-request stops), not model quality. Speaks just enough of Ollama's API for OllamaBackend.
import * as http from 'node:http';
import type { RequestLogEntry } from '../test/engine/server';

/** The speed of the model being imitated; prompt caching reuses the common prefix of consecutive prompts. */
export interface OracleSpeed {
  /** Prompt tokens evaluated per second (tokens not reused from the previous prompt). */
  readonly promptTokensPerSecond: number;
  /** Generated tokens per second. */
  readonly generatedTokensPerSecond: number;
  /** Fixed cost per request (sampling setup, HTTP), ms. */
  readonly overheadMs: number;
}

/** What the user is typing: `truthAt(prompt, suffix)` is the text the model should produce there. */
export interface OracleTruth {
  continuationFor(prompt: string, suffix: string): string | undefined;
}

const CHARS_PER_TOKEN = 3.5;
/** Pieces the size of BPE tokens: a word with its leading space, a number, one symbol, or a run of spaces. */
const TOKEN_PATTERN = /[ \t]*[A-Za-z_$][A-Za-z0-9_$]*|[ \t]*\d+|\n|[ \t]+|[^\sA-Za-z0-9_$]/g;
const FIM_TEMPLATE = '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{ else }}{{ .Prompt }}{{ end }}';

interface GenerateBody {
  model?: string;
  prompt?: string;
  suffix?: string;
  options?: { num_predict?: number };
}

export class OracleEngine {
  private readonly server: http.Server;
  private readonly log: RequestLogEntry[] = [];
  private nextId = 1;
  private previousPrompt = '';
  /** One model slot, like Ollama's default: requests run one after another. */
  private queue: Promise<void> = Promise.resolve();
  private truth: OracleTruth | undefined;
  port = 0;

  constructor(
    readonly modelName: string,
    private readonly speed: OracleSpeed,
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  setTruth(truth: OracleTruth | undefined): void {
    this.truth = truth;
  }

  requests(): RequestLogEntry[] {
    return structuredClone(this.log);
  }

  clearLog(): void {
    this.log.length = 0;
    this.previousPrompt = '';
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? JSON.parse(raw) : {}) as GenerateBody;
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (path === '/api/version') return json(res, { version: '0.12.0-oracle' });
    if (path === '/api/show') {
      return json(res, { template: FIM_TEMPLATE, capabilities: ['completion', 'insert'], details: { family: 'qwen2', families: ['qwen2'] }, model_info: { 'general.architecture': 'qwen2' } });
    }
    if (path !== '/api/generate') {
      res.writeHead(404).end('404 page not found');
      return;
    }
    if (!body.prompt && !body.suffix) return json(res, { model: body.model, response: '', done: true, done_reason: 'load' });
    await this.generate(res, body, raw);
  }

  private generate(res: http.ServerResponse, body: GenerateBody, raw: string): Promise<void> {
    const entry: RequestLogEntry = { id: this.nextId++, method: 'POST', path: '/api/generate', arrivedAt: Date.now(), model: body.model, body: raw, headers: {} };
    this.log.push(entry);
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closed = true;
        entry.aborted = true;
        entry.abortedAt = Date.now();
      }
    });
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    const run = this.queue.then(async () => {
      const started = Date.now();
      const prompt = `<|fim_prefix|>${body.prompt ?? ''}<|fim_suffix|>${body.suffix ?? ''}<|fim_middle|>`;
      const promptTokens = Math.ceil(prompt.length / CHARS_PER_TOKEN);
      const reusedTokens = Math.floor(commonPrefixLength(prompt, this.previousPrompt) / CHARS_PER_TOKEN);
      this.previousPrompt = prompt;
      entry.promptTokens = promptTokens;
      entry.reusedTokens = reusedTokens;
      entry.generatedTokens = 0;
      const evalMs = this.speed.overheadMs + (1000 * (promptTokens - reusedTokens)) / this.speed.promptTokensPerSecond;
      if (!(await sleepUnless(evalMs, () => closed))) return this.stopped(entry);
      const continuation = this.truth?.continuationFor(body.prompt ?? '', body.suffix ?? '') ?? '';
      const tokens = (continuation.match(TOKEN_PATTERN) ?? []).slice(0, body.options?.num_predict ?? 128);
      const perTokenMs = 1000 / this.speed.generatedTokensPerSecond;
      for (const token of tokens) {
        if (!(await sleepUnless(perTokenMs, () => closed))) return this.stopped(entry);
        entry.firstTokenMs ??= Date.now() - entry.arrivedAt;
        entry.generatedTokens++;
        res.write(`${JSON.stringify({ model: body.model, response: token, done: false })}\n`);
      }
      entry.stoppedAt = Date.now();
      const totalNs = (Date.now() - entry.arrivedAt) * 1e6;
      res.end(`${JSON.stringify({ model: body.model, response: '', done: true, done_reason: 'stop', prompt_eval_count: promptTokens, eval_count: entry.generatedTokens, total_duration: totalNs, eval_duration: (Date.now() - started) * 1e6 })}\n`);
      entry.serverMs = Date.now() - entry.arrivedAt;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private stopped(entry: RequestLogEntry): void {
    entry.stoppedAt = Date.now();
    entry.serverMs = entry.stoppedAt - entry.arrivedAt;
  }
}

function json(res: http.ServerResponse, value: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Waits `ms`, checking `stop` every 5 ms, like an engine that checks for a closed
 * connection between prompt chunks and tokens; false when stopped.
 */
async function sleepUnless(ms: number, stop: () => boolean): Promise<boolean> {
  const end = Date.now() + ms;
  for (let step = 0; step < 100_000; step++) {
    if (stop()) return false;
    const left = end - Date.now();
    if (left <= 0) return true;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, 5)));
  }
  return !stop();
}
