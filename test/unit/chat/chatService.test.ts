import assert from 'node:assert/strict';
import { OllamaChat } from '../../../src/backends/ollamaChat';
import { OpenAiTransport } from '../../../src/backends/openai';
import { ChatService, type ChatServiceOptions, type ChatUsageRecord, type RoutingContext } from '../../../src/core/chat/service';
import type { ChatEvent, ChatRequest } from '../../../src/core/chat/types';
import { systemClock } from '../../../src/core/net/clock';
import type { PolicyDecision } from '../../../src/core/policy/policyTypes';
import type { CloudEndpoint, IncludedFile } from '../../../src/core/routing/router';
import type { Engine } from '../../engine/server';
import { waitFor, useLoopbackEngine } from '../../engine/test-support';
import { closedPort, drain } from './engineHelpers';

const CLOUD_MODEL = 'gpt-4.1';
const LOCAL_MODEL = 'qwen2.5-coder:7b';
const KEY = 'sk-test-loopback';
const CLOUD_PATH = '/v1/chat/completions';
const LOCAL_PATH = '/api/chat';

const allow: PolicyDecision = { allowCloud: true, allowAi: true, layer: 'default', reason: 'Hybrid mode.' };

/** Short real waits so the suite stays fast; the retry-sleep cancel test uses the server's multi-second hint. */
const FAST: ChatServiceOptions = {
  retry: { maxRetries: 2, initialDelayMs: 50, maxDelayMs: 200, jitter: 0.25, maxServerWaitMs: 60_000 },
  breaker: { failureThreshold: 3, cooldownMs: 30_000 },
  cloudLimits: { firstChunkMs: 5000, idleMs: 1000 },
  localLimits: { firstChunkMs: 10_000, idleMs: 2000 },
};

const request = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  command: 'chat',
  messages: [{ role: 'user', content: 'How do I reverse an array in TypeScript?' }],
  content: [],
  ...over,
});

interface HarnessOptions {
  apiKey?: string;
  hasKey?: boolean;
  localHost?: string;
  localModel?: string;
  files?: IncludedFile[];
  workspace?: PolicyDecision;
  options?: Partial<ChatServiceOptions>;
  /** How long the stand-in for the egress gate holds each request before releasing it. */
  gateHoldMs?: number;
}

describe('ChatService against the loopback engine', function () {
  this.timeout(30_000);
  let engine: Engine;

  useLoopbackEngine({ models: { [CLOUD_MODEL]: '1m', [LOCAL_MODEL]: '1m' }, apiKey: KEY }, (started) => {
    engine = started;
  });

  function harness(h: HarnessOptions = {}) {
    const usage: ChatUsageRecord[] = [];
    const transport = new OpenAiTransport({ apiKey: async () => h.apiKey ?? KEY, firstByteTimeoutMs: 5000, now: Date.now });
    const cloud: CloudEndpoint = { id: 'primary', baseUrl: `${engine.url}/v1`, model: CLOUD_MODEL, label: `127.0.0.1:${engine.port}`, hasKey: h.hasKey ?? true };
    const local = new OllamaChat(h.localHost ?? engine.url);
    const context: RoutingContext = {
      workspace: h.workspace ?? allow,
      files: h.files ?? [],
      cloud: [cloud],
      local: { id: 'local', model: h.localModel ?? LOCAL_MODEL, label: local.label },
    };
    const service = new ChatService(
      {
        routingContext: async () => context,
        // In the extension this goes through the egress gate; here straight to the transport.
        send: async (candidate, req, signal) => {
          if (h.gateHoldMs) await new Promise((resolve) => setTimeout(resolve, h.gateHoldMs));
          return transport.streamChat(req.messages, { baseUrl: candidate.endpoint.baseUrl, model: candidate.endpoint.model, signal });
        },
        local,
        onUsage: (record) => usage.push(record),
        clock: systemClock,
        random: Math.random,
      },
      { ...FAST, ...h.options },
    );
    return { service, usage };
  }

  async function ask(service: ChatService, req = request(), timeoutMs = 15_000, signal = new AbortController().signal): Promise<ChatEvent[]> {
    const events = await drain(service.ask(req, signal), timeoutMs);
    const terminal = events.filter((e) => e.kind === 'done' || e.kind === 'error');
    assert.equal(terminal.length, 1, `exactly one done or error: ${JSON.stringify(events.map((e) => e.kind))}`);
    assert.equal(events.at(-1), terminal[0], 'and it comes last');
    assert.equal(events[0]!.kind, 'route', 'the route comes first');
    return events;
  }

  const count = (path: string) => engine.requests().filter((r) => r.path === path).length;
  const texts = (events: ChatEvent[]) => events.flatMap((e) => (e.kind === 'text' ? [e.text] : [])).join('');
  const notices = (events: ChatEvent[]) => events.flatMap((e) => (e.kind === 'notice' ? [e.text] : []));
  const routes = (events: ChatEvent[]) => events.flatMap((e) => (e.kind === 'route' ? [e.route] : []));
  const last = (events: ChatEvent[]) => events.at(-1)!;

  it('answers from the cloud, with usage from the response reported to the ledger', async () => {
    const { service, usage } = harness();
    const events = await ask(service);
    assert.deepEqual(routes(events).map((r) => [r.where, r.model]), [['cloud', CLOUD_MODEL]]);
    assert.ok(texts(events).length > 0);
    const done = last(events);
    assert.ok(done.kind === 'done' && !done.interrupted && done.usage && !done.usage.estimated);
    const [entry] = engine.requests();
    assert.equal(done.usage.completionTokens, entry!.generatedTokens);
    assert.equal(count(LOCAL_PATH), 0);
    assert.equal(usage.length, 1);
    assert.equal(usage[0]!.outcome, 'answered');
    assert.deepEqual(usage[0]!.usage, done.usage);
    assert.ok(usage[0]!.firstTextMs! <= usage[0]!.latencyMs);
  });

  it('429 with Retry-After: waits what the server asked, then answers from the cloud', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 }, path: '/v1/chat', times: 1 }]);
    const { service, usage } = harness();
    const started = Date.now();
    const events = await ask(service);
    const arrivals = engine.requests().map((r) => r.arrivedAt);
    assert.equal(count(CLOUD_PATH), 2);
    assert.ok(arrivals[1]! - arrivals[0]! >= 950, `retried after ${arrivals[1]! - arrivals[0]!} ms`);
    assert.ok(Date.now() - started < 10_000);
    assert.match(notices(events)[0]!, /429.*retrying in 1 s \(1\/2\)/);
    assert.equal(routes(events).length, 1);
    assert.ok(last(events).kind === 'done' && texts(events).length > 0);
    assert.equal(usage[0]!.retries, 1);
  });

  it('a Retry-After beyond the cap is not waited for: immediate fallback, and the reason says so', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 429, retryAfterSeconds: 3600 }, path: '/v1/chat' }]);
    const { service } = harness();
    const started = Date.now();
    const events = await ask(service);
    assert.ok(Date.now() - started < 5000);
    assert.equal(count(CLOUD_PATH), 1);
    assert.match(notices(events)[0]!, /429 \(rate limit or quota\) and asked for a longer wait than Tandem allows; the limit resets in 60 min; falling back to local/);
    assert.deepEqual(routes(events).map((r) => r.where), ['cloud', 'local']);
  });

  it('500 on every attempt: retries, then falls back to the local model and says who answered', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 500 }, path: '/v1/chat' }]);
    const { service, usage } = harness();
    const events = await ask(service);
    assert.equal(count(CLOUD_PATH), 3, 'first attempt and two retries');
    assert.equal(count(LOCAL_PATH), 1);
    assert.deepEqual(routes(events).map((r) => r.where), ['cloud', 'local']);
    assert.match(routes(events)[1]!.why, /^fallback: cloud gpt-4\.1 returned 500 \(server error\) after 2 retries/);
    assert.ok(notices(events).includes(`Cloud ${CLOUD_MODEL} returned 500 (server error) after 2 retries; falling back to local ${LOCAL_MODEL}.`), notices(events).join('\n'));
    assert.ok(last(events).kind === 'done' && texts(events).length > 0);
    assert.deepEqual(usage.map((u) => [u.route.where, u.outcome, u.reason]), [['cloud', 'failed', 'policy'], ['local', 'answered', 'fallback']]);
  });

  it('a reset mid-stream keeps the partial answer, marked interrupted, without re-asking anyone', async () => {
    engine.setFaults([{ fault: { kind: 'reset', afterChunks: 6 }, path: '/v1/chat' }]);
    const { service, usage } = harness();
    const events = await ask(service);
    assert.ok(texts(events).length > 0, 'the text before the reset is kept');
    assert.match(notices(events).at(-1)!, /^The answer from cloud gpt-4\.1 is incomplete: the connection broke/);
    const done = last(events);
    assert.ok(done.kind === 'done' && done.interrupted && done.usage?.estimated === true);
    assert.equal(count(CLOUD_PATH), 1);
    assert.equal(count(LOCAL_PATH), 0);
    assert.equal(usage[0]!.outcome, 'interrupted');
  });

  it('a stall mid-stream: the idle timeout fires, the user is told, the partial answer is kept', async () => {
    engine.setFaults([{ fault: { kind: 'stall', afterChunks: 6 }, path: '/v1/chat' }]);
    const { service } = harness();
    const started = Date.now();
    const events = await ask(service);
    const elapsed = Date.now() - started;
    assert.ok(texts(events).length > 0);
    assert.match(notices(events).at(-1)!, /incomplete: it sent nothing for 1 s/);
    assert.ok(last(events).kind === 'done' && (last(events) as { interrupted: boolean }).interrupted);
    assert.ok(elapsed >= 1000 && elapsed < 5000, `ended after ${elapsed} ms`);
    await waitFor(() => (engine.requests()[0]?.aborted ? true : undefined), 2000, 'the stalled connection to be closed');
  });

  it('a stall before the first chunk: first-byte timeout, retry, answer', async () => {
    engine.setFaults([{ fault: { kind: 'stall', afterChunks: 0 }, path: '/v1/chat', times: 1 }]);
    const { service } = harness({ options: { cloudLimits: { firstChunkMs: 800, idleMs: 1000 } } });
    const events = await ask(service);
    assert.equal(count(CLOUD_PATH), 2);
    assert.match(notices(events)[0]!, /sent nothing within 0\.8 s; retrying/);
    assert.ok(last(events).kind === 'done' && texts(events).length > 0);
    assert.deepEqual(routes(events).map((r) => r.where), ['cloud']);
  });

  it('time the gate holds the request (a preview the user reads) does not count as the first byte', async () => {
    const { service } = harness({ gateHoldMs: 600, options: { cloudLimits: { firstChunkMs: 300, idleMs: 1000 } } });
    const events = await ask(service);
    assert.deepEqual(routes(events).map((r) => r.where), ['cloud']);
    assert.ok(last(events).kind === 'done' && texts(events).length > 0);
  });

  it('401: the key is rejected once (no retry), the local model answers, and the note says why', async () => {
    const { service } = harness({ apiKey: 'sk-wrong' });
    const events = await ask(service);
    assert.equal(count(CLOUD_PATH), 1);
    assert.match(notices(events)[0]!, /rejected the API key \(401\).*; falling back to local qwen2\.5-coder:7b\./);
    assert.deepEqual(routes(events).map((r) => r.where), ['cloud', 'local']);
    assert.ok(last(events).kind === 'done');
  });

  it('401 and no local engine: one error naming both causes, with Set Cloud API Key and Check Local Engine', async () => {
    const { service } = harness({ apiKey: 'sk-wrong', localHost: `http://127.0.0.1:${await closedPort()}` });
    const error = last(await ask(service));
    assert.ok(error.kind === 'error');
    assert.match(error.message, /^No model could answer: .*rejected the API key \(401\).*; local Ollama at .* does not answer \(ECONNREFUSED\); start Ollama/);
    assert.deepEqual(error.actions.map((a) => a.command), ['tandem.setCloudApiKey', 'tandem.checkLocalEngine']);
  });

  it('engine down: cloud retried then given up, local engine down: a clear error within its timeout', async () => {
    engine.setFaults([{ fault: { kind: 'down' } }]);
    try {
      const { service } = harness();
      const started = Date.now();
      const error = last(await ask(service, request(), 10_000));
      assert.ok(error.kind === 'error');
      assert.match(error.message, /cannot reach 127\.0\.0\.1:\d+ for cloud gpt-4\.1 .*offline\?\) after 2 retries/);
      assert.match(error.message, /start Ollama \(`ollama serve`\)/);
      assert.deepEqual(error.actions, [{ title: 'Check Local Engine', command: 'tandem.checkLocalEngine' }]);
      assert.ok(Date.now() - started < 5000);
    } finally {
      engine.setFaults([]);
    }
  });

  it('no API key: nothing goes to the cloud, the local model answers, and the route says why', async () => {
    const { service } = harness({ hasKey: false });
    const events = await ask(service);
    assert.equal(count(CLOUD_PATH), 0);
    assert.deepEqual(routes(events).map((r) => r.where), ['local']);
    assert.match(routes(events)[0]!.why, /no API key is set/);
    assert.ok(last(events).kind === 'done');
  });

  it('no API key and no local engine: the error offers Set Cloud API Key', async () => {
    const { service } = harness({ hasKey: false, localHost: `http://127.0.0.1:${await closedPort()}` });
    const error = last(await ask(service));
    assert.ok(error.kind === 'error');
    assert.deepEqual(error.actions.map((a) => a.title), ['Set Cloud API Key', 'Check Local Engine']);
  });

  it('a localOnly file keeps the request on the local model: zero cloud requests', async () => {
    const files = [{ path: 'src/secret/keys.ts', decision: { allowCloud: false, allowAi: true, layer: 'repo-policy', reason: 'matches localOnly "src/secret/**"' } as PolicyDecision }];
    const { service } = harness({ files });
    const events = await ask(service, request({ preferCloud: true }));
    assert.equal(count(CLOUD_PATH), 0);
    assert.equal(count(LOCAL_PATH), 1);
    assert.match(routes(events)[0]!.why, /src\/secret\/keys\.ts: matches localOnly/);
  });

  it('content excluded from AI: an error, and nothing is sent anywhere', async () => {
    const files = [{ path: '.env', decision: { allowCloud: false, allowAi: false, layer: 'builtin-secret', reason: 'built-in exclusion .env*' } as PolicyDecision }];
    const { service } = harness({ files });
    const events = await drain(service.ask(request(), new AbortController().signal), 5000);
    assert.deepEqual(events.map((e) => e.kind), ['error']);
    assert.match((events[0] as { message: string }).message, /Nothing was sent: \.env is excluded from AI/);
    assert.equal(engine.requests().length, 0);
  });

  it('a missing local model: the error says how to pull it', async () => {
    const { service } = harness({ localModel: 'qwen2.5-coder:32b', workspace: { allowCloud: false, allowAi: true, layer: 'user-setting', reason: 'Mode is local-only.' } });
    const error = last(await ask(service));
    assert.ok(error.kind === 'error');
    assert.match(error.message, /ollama pull qwen2\.5-coder:32b/);
  });

  it('after three failed requests the breaker skips the cloud without contacting it', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 503 }, path: '/v1/chat' }]);
    const { service } = harness({ options: { retry: { ...FAST.retry, maxRetries: 0 } } });
    for (let i = 0; i < 3; i++) assert.ok(last(await ask(service)).kind === 'done');
    assert.equal(count(CLOUD_PATH), 3);
    assert.equal(service.health('primary'), 'open');
    const events = await ask(service);
    assert.equal(count(CLOUD_PATH), 3, 'no fourth cloud request');
    assert.deepEqual(routes(events).map((r) => r.where), ['local']);
    assert.match(routes(events)[0]!.why, /failed repeatedly and is paused/);
    // "Re-ask in the cloud" probes it anyway.
    engine.setFaults([]);
    const reasked = await ask(service, request({ preferCloud: true }));
    assert.deepEqual(routes(reasked).map((r) => r.where), ['cloud']);
    assert.equal(service.health('primary'), 'closed');
  });

  it('cancel during a multi-second retry sleep returns within 100 ms', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 429, retryAfterSeconds: 5 }, path: '/v1/chat' }]);
    const { service, usage } = harness();
    const controller = new AbortController();
    let abortedAt = 0;
    const events = await drain(service.ask(request(), controller.signal), 10_000, (event) => {
      // The notice is yielded just before the sleep starts; cancel a little later, mid-sleep.
      if (event.kind === 'notice' && /retrying in 5 s/.test(event.text))
        setTimeout(() => {
          abortedAt = performance.now();
          controller.abort();
        }, 300);
    });
    const returnedAfter = performance.now() - abortedAt;
    assert.ok(abortedAt > 0, 'the retry sleep was reached');
    assert.ok(returnedAfter < 100, `returned ${returnedAfter.toFixed(1)} ms after cancel`);
    assert.deepEqual(events.at(-1), { kind: 'done', interrupted: true });
    assert.equal(count(CLOUD_PATH), 1, 'the retry never went out');
    assert.equal(count(LOCAL_PATH), 0, 'no fallback after a cancel');
    assert.equal(usage.at(-1)!.outcome, 'cancelled');
  });

  it('cancel mid-answer ends with done (interrupted) and closes the connection', async () => {
    const { service } = harness();
    const controller = new AbortController();
    const events = await drain(service.ask(request(), controller.signal), 10_000, (e) => e.kind === 'text' && controller.abort());
    assert.equal(events.filter((e) => e.kind === 'done' || e.kind === 'error').length, 1);
    assert.ok(events.at(-1)!.kind === 'done' && (events.at(-1) as { interrupted: boolean }).interrupted);
    await waitFor(() => (engine.requests()[0]?.aborted ? true : undefined), 2000, 'the server to see the connection close');
  });
});
