// The loopback engine: real llama.cpp inference on 127.0.0.1 behind Ollama's REST API and an
// OpenAI-compatible API, with a request log and switchable faults for tests.
import * as http from 'node:http';
import { FaultSchedule, type RequestFault } from './faults';
import { defaultModelCache } from './gguf/model-cache';
import type { Preset } from './gguf/tiny-model';
import { LlamaRuntime } from './llama-runtime';
import { ModelRegistry } from './model-registry';
import { ollamaError, serveOllama, type OllamaDeps } from './ollama-api';
import { openAiError, serveOpenAi, type OpenAiDeps } from './openai-api';
import { Reply } from './reply';
import { RequestLog } from './request-log';

export type { Preset } from './gguf/tiny-model';

export interface EngineOptions {
  /** Ollama model name -> preset; default {'qwen2.5-coder:1.5b-base': '1m'}. */
  models?: Record<string, Preset>;
  /** Names /api/pull may create (generated, then listed); default {}. */
  pullable?: Record<string, Preset>;
  /** Default 0: a free port. Always binds 127.0.0.1. */
  port?: number;
  /** When set, OpenAI routes require `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
  /** llama.cpp threads; default 1 (on 2 cores, 2 threads made generation slower and erratic). */
  threads?: number;
  /** Default 4096. */
  contextSize?: number;
}

export type Fault =
  | { kind: 'status'; status: 429 | 500 | 401 | 404 | 503; retryAfterSeconds?: number; body?: unknown }
  /** Destroy the socket mid-stream, after this many body chunks (a non-streamed body is one chunk). */
  | { kind: 'reset'; afterChunks: number }
  /** Delay everything, headers included. */
  | { kind: 'slowFirstByte'; ms: number }
  /** Keep the connection open, send nothing more; the model is released at once. */
  | { kind: 'stall'; afterChunks: number }
  /**
   * Close the listener and every open connection: new connections are refused until the rule is
   * cleared (the port is then listened on again). `path` and `times` do not apply. A client that
   * reuses a pooled connection in the same tick sees that connection close instead of a refusal.
   */
  | { kind: 'down' };

export interface FaultRule {
  fault: Fault;
  /** Path prefix, e.g. '/v1/chat' or '/api/generate'; default: every path. */
  path?: string;
  /** Default Infinity. */
  times?: number;
}

export interface RequestLogEntry {
  id: number;
  method: string;
  path: string;
  /** Epoch ms. */
  arrivedAt: number;
  model?: string;
  /** Raw request body as received, for privacy assertions. */
  body: string;
  headers: Record<string, string | string[] | undefined>;
  status?: number;
  promptTokens?: number;
  reusedTokens?: number;
  generatedTokens?: number;
  /** Server side, from arrival. */
  firstTokenMs?: number;
  serverMs?: number;
  /** The client closed the connection before the response finished. */
  aborted?: boolean;
  /** Epoch ms at which the server saw the client leave. */
  abortedAt?: number;
  /** Epoch ms at which the model stopped working on this request. */
  stoppedAt?: number;
  /** Kind of the fault applied to this request. */
  fault?: string;
}

export interface EngineStats {
  /** Requests per path. */
  requests: Record<string, number>;
  /** Generations whose response was sent in full. */
  completed: number;
  /** Requests the client closed before the response finished. */
  aborted: number;
  /** Time the model spent on requests. */
  busyMs: number;
}

export interface Engine {
  url: string;
  port: number;
  stats(): EngineStats;
  requests(): RequestLogEntry[];
  /** Empties the log and resets the stats. */
  clearLog(): void;
  /** Replaces the active rules; [] clears. */
  setFaults(rules: FaultRule[]): void;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const STATS_PATH = '/__engine/stats';

export async function startEngine(opts: EngineOptions = {}): Promise<Engine> {
  const cache = defaultModelCache();
  const registry = new ModelRegistry(opts.pullable ?? {});
  const models: Record<string, Preset> = opts.models ?? { 'qwen2.5-coder:1.5b-base': '1m' };
  for (const [name, preset] of Object.entries(models)) {
    registry.add(name, await cache.ensure(preset));
  }
  const runtime = new LlamaRuntime({ threads: opts.threads ?? 1, contextSize: opts.contextSize ?? 4096 });
  const engine = new LoopbackEngine({ runtime, log: new RequestLog(), registry, cache, apiKey: opts.apiKey });
  await engine.listen(opts.port ?? 0);
  return engine;
}

type Deps = OllamaDeps & OpenAiDeps;

class LoopbackEngine implements Engine {
  private readonly server: http.Server;
  private readonly faults = new FaultSchedule();
  private listening = false;
  private relistening: Promise<void> = Promise.resolve();
  private stopped = false;
  port = 0;

  constructor(private readonly deps: Deps) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
  }

  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, HOST, () => {
        this.server.off('error', reject);
        this.listening = true;
        this.port = (this.server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  stats() {
    return this.deps.log.stats();
  }

  requests() {
    return this.deps.log.requests();
  }

  clearLog(): void {
    this.deps.log.clear();
  }

  setFaults(rules: FaultRule[]): void {
    this.faults.replace(rules);
    if (this.faults.down && this.listening) this.closeListener();
    else if (!this.faults.down && !this.listening && !this.stopped) {
      this.listening = true;
      // Same port again: clients configured with the engine's URL reconnect as to a restarted server.
      this.relistening = this.listen(this.port).catch((error: unknown) => {
        this.listening = false;
        process.stderr.write(`loopback engine: cannot listen on ${this.port} again: ${String(error)}\n`);
      });
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.relistening;
    if (this.listening) this.closeListener();
    await this.deps.runtime.dispose();
  }

  private closeListener(): void {
    this.listening = false;
    this.server.close();
    this.server.closeAllConnections();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (path === STATS_PATH) {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ stats: this.stats(), requests: this.requests() }));
      return;
    }
    const { log } = this.deps;
    const entry = log.open(method, path, req.headers);
    const fault = this.faults.take(path);
    if (fault) entry.fault = fault.kind;
    const reply = new Reply(res, fault, (finished) => {
      if (res.headersSent) entry.status = res.statusCode;
      log.closed(entry, finished, entry.generatedTokens !== undefined);
    });
    const openAi = path.startsWith('/v1/');
    try {
      entry.body = await readBody(req);
      let body: unknown = {};
      try {
        if (entry.body) body = JSON.parse(entry.body);
      } catch {
        return openAi
          ? openAiError(reply, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null)
          : ollamaError(reply, 400, 'invalid character in request body');
      }
      const model = (body as { model?: unknown }).model;
      if (typeof model === 'string') entry.model = model;
      if (fault?.kind === 'status') return sendStatusFault(reply, fault, openAi);
      if (fault?.kind === 'slowFirstByte') {
        await reply.delay(fault.ms);
        if (reply.signal.aborted) return;
      }
      if (openAi) await serveOpenAi(this.deps, method, path, req.headers, body, entry, reply);
      else await serveOllama(this.deps, method, path, body, entry, reply);
    } catch (error) {
      if (res.headersSent) res.destroy();
      else if (openAi) openAiError(reply, 500, String(error), 'server_error', null);
      else ollamaError(reply, 500, String(error));
    }
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const OPENAI_ERROR_KINDS: Record<RequestFaultStatus, { type: string; code: string | null }> = {
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: 'service_unavailable' },
};

type RequestFaultStatus = Extract<RequestFault, { kind: 'status' }>['status'];

function sendStatusFault(reply: Reply, fault: Extract<RequestFault, { kind: 'status' }>, openAi: boolean): void {
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
  const message = `${fault.status} ${http.STATUS_CODES[fault.status]} (injected fault)`;
  if (fault.body !== undefined) return reply.json(fault.status, fault.body, headers);
  if (openAi) {
    const { type, code } = OPENAI_ERROR_KINDS[fault.status];
    return openAiError(reply, fault.status, message, type, code, headers);
  }
  reply.json(fault.status, { error: message }, headers);
}
