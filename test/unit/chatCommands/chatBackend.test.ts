import assert from 'node:assert/strict';
import { OllamaChat } from '../../../src/backends/ollamaChat';
import { OpenAiTransport } from '../../../src/backends/openai';
import type { ChatUsageRecord } from '../../../src/core/chat/service';
import type { ChatEvent, ChatRequest, ContentPiece } from '../../../src/core/chat/types';
import type { AuditEntry } from '../../../src/core/egress/auditLog';
import { EgressGate, type EgressPreviewOptions } from '../../../src/core/egress/egressGate';
import { systemClock } from '../../../src/core/net/clock';
import { PolicyStore } from '../../../src/core/policy/policyStore';
import type { PolicyMode } from '../../../src/core/policy/policyTypes';
import { ChatBackend, type ChatEndpoints } from '../../../src/vscode/chat/chatBackend';
import type { Engine } from '../../engine/server';
import { drain } from '../chat/engineHelpers';
import { folderInputs } from '../policy/folderInputs';
import { useLoopbackEngine } from '../../engine/test-support';

const FOLDER = 'file:///work/api';
const CLOUD_MODEL = 'gpt-4.1';
const LOCAL_MODEL = 'qwen2.5-coder:7b';
const KEY = 'sk-test-loopback';
const CLOUD_PATH = '/v1/chat/completions';
const LOCAL_PATH = '/api/chat';
const STREAM_TIMEOUT_MS = 20_000;

const piece = (relativePath: string, text: string): ContentPiece => ({ kind: 'selection', folder: FOLDER, relativePath, text });
const ask = (content: ContentPiece[], over: Partial<ChatRequest> = {}): ChatRequest => ({
  command: 'explain',
  messages: [{ role: 'user', content: 'Explain this code.' }],
  content,
  ...over,
});

interface RigOptions {
  preview?: EgressPreviewOptions;
  mode?: PolicyMode;
  trusted?: boolean;
  hasKey?: boolean;
  localHost?: string;
}

/**
 * The extension's chat wiring with real parts: policy store, egress gate, OpenAI transport and
 * Ollama client, all against the loopback engine (its /v1 stands in for the cloud).
 */
describe('ChatBackend: policy, trust and the gate decide who answers (loopback engine)', function () {
  this.timeout(60_000);
  let engine: Engine;

  useLoopbackEngine({ models: { [CLOUD_MODEL]: '1m', [LOCAL_MODEL]: '1m' }, apiKey: KEY }, (started) => {
    engine = started;
  });

  function rig(options: RigOptions = {}) {
    const store = new PolicyStore({ userMode: options.mode ?? 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false }, [
      folderInputs(FOLDER, { '.tandem/policy.json': JSON.stringify({ localOnly: ['src/secret/**'] }) }, 'api'),
    ]);
    const audit: AuditEntry[] = [];
    const usage: ChatUsageRecord[] = [];
    const gate = new EgressGate({
      transport: new OpenAiTransport({ apiKey: async () => KEY, firstByteTimeoutMs: 10_000, now: Date.now }),
      policy: store,
      hostSettings: () => ({ allowedCloudHosts: ['127.0.0.1'], allowInsecureLoopback: true }),
      audit: { append: async (entry) => void audit.push(entry) },
      now: () => new Date(),
      preview: options.preview,
    });
    const endpoints: ChatEndpoints = {
      localHost: options.localHost ?? engine.url,
      chatLocalModel: LOCAL_MODEL,
      trustedHosts: [],
      cloudBaseUrl: `${engine.url}/v1`,
      cloudModel: CLOUD_MODEL,
      cloudFallbacks: [],
    };
    const backend = new ChatBackend({
      endpoints: () => endpoints,
      hasKey: async () => options.hasKey ?? true,
      policy: store,
      isTrusted: () => options.trusted ?? true,
      gate,
      localChat: (host) => new OllamaChat(host),
      onUsage: (record) => usage.push(record),
      clock: systemClock,
      random: () => 0.5,
    });
    return { backend, audit, usage };
  }

  const paths = () => engine.requests().map((r) => r.path);
  const count = (path: string) => paths().filter((p) => p === path).length;
  const bodies = (path: string) => engine.requests().filter((r) => r.path === path).map((r) => r.body).join('\n');
  const answer = async (backend: ChatBackend, request: ChatRequest) => drain<ChatEvent>(backend.ask(request, new AbortController().signal), STREAM_TIMEOUT_MS);
  const routeOf = (events: ChatEvent[]) => events.filter((e) => e.kind === 'route').at(-1);

  it('hybrid and an allowed file: the cloud answers through the gate, which audits the file', async () => {
    const { backend, audit, usage } = rig();
    const code = 'export const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);';
    const request = ask([piece('src/total.ts', code)]);
    assert.equal((await backend.destination(request)).where, 'cloud');
    const events = await answer(backend, request);
    assert.deepEqual(routeOf(events), { kind: 'route', route: { model: CLOUD_MODEL, where: 'cloud', why: 'hybrid mode; policy allows the cloud for the included file' } });
    assert.equal(events.at(-1)?.kind, 'done');
    assert.equal(count(CLOUD_PATH), 1);
    assert.equal(count(LOCAL_PATH), 0);
    assert.ok(bodies(CLOUD_PATH).includes(JSON.stringify(code).slice(1, -1)), 'the selection reached the cloud model');
    assert.deepEqual(audit.map((e) => [e.outcome, e.files.map((f) => [f.path, f.kind])]), [['sent', [['src/total.ts', 'selection']]]]);
    assert.deepEqual(usage.map((u) => [u.route.where, u.outcome, u.reason]), [['cloud', 'answered', 'policy']]);
  });

  for (const [title, options, file] of [
    ['the user chose local-only', { mode: 'local-only' }, 'src/total.ts'],
    ['the workspace is untrusted (checked in the wiring too)', { trusted: false }, 'src/total.ts'],
    ['the file matches a localOnly glob', {}, 'src/secret/keys.ts'],
  ] as const) {
    it(`${title}: the local model answers with the content, and the cloud gets zero requests`, async () => {
      const { backend, audit } = rig(options);
      const code = `const marker_${Math.random().toString(36).slice(2)} = 1;`;
      const request = ask([piece(file, code)]);
      const destination = await backend.destination(request);
      assert.deepEqual([destination.where, destination.model], ['local', LOCAL_MODEL]);
      const events = await answer(backend, request);
      assert.equal(routeOf(events)?.kind === 'route' && routeOf(events)?.route.where, 'local');
      assert.equal(events.at(-1)?.kind, 'done');
      assert.equal(count(CLOUD_PATH), 0, `requests: ${paths().join(', ')}`);
      assert.equal(count(LOCAL_PATH), 1);
      assert.ok(bodies(LOCAL_PATH).includes(code), 'the local model was shown the selection');
      assert.equal(audit.length, 0);
      assert.equal(await backend.cloudReaskAllowed(request), false, 'no cloud re-ask where policy keeps the request local');
    });
  }

  it('no key for the cloud: the local model answers and a re-ask in the cloud is not offered', async () => {
    const { backend } = rig({ hasKey: false });
    const request = ask([piece('src/total.ts', 'let a = 1;')]);
    const destination = await backend.destination(request);
    assert.equal(destination.where, 'local');
    assert.match(destination.why, /no API key/);
    const events = await answer(backend, request);
    assert.equal(events.at(-1)?.kind, 'done');
    assert.equal(count(CLOUD_PATH), 0);
    assert.equal(await backend.cloudReaskAllowed(request), false);
  });

  it('a secrets file is excluded from AI: an error, and nothing is sent anywhere', async () => {
    const { backend } = rig();
    const request = ask([piece('.env', 'API_TOKEN=abc')]);
    await assert.rejects(backend.destination(request), /excluded from AI/);
    const events = await answer(backend, request);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.kind, 'error');
    assert.deepEqual(paths(), []);
  });

  it('a local host that is neither loopback nor trusted never receives "local" content', async () => {
    const { backend } = rig({ mode: 'local-only', localHost: 'http://ollama.example.com:11434' });
    const events = await answer(backend, ask([piece('src/total.ts', 'let a = 1;')]));
    const last = events.at(-1);
    assert.equal(last?.kind, 'error');
    assert.match(last?.kind === 'error' ? last.message : '', /tandem\.trustedHosts/);
    assert.deepEqual(paths(), []);
  });

  it('preview "always": a cloud request retried after a 500 is previewed once, and both attempts are audited', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 500 }, path: CLOUD_PATH, times: 1 }]);
    let previews = 0;
    const preview: EgressPreviewOptions = { mode: () => 'always', confirm: async () => (previews++, true), wasApproved: () => true, markApproved: () => undefined };
    const { backend, audit } = rig({ preview });
    const events = await answer(backend, ask([piece('src/total.ts', 'export const one = 1;')]));
    assert.equal(events.at(-1)?.kind, 'done');
    assert.equal(count(CLOUD_PATH), 2, 'the first attempt failed, the retry answered');
    assert.equal(previews, 1);
    assert.deepEqual(audit.map((e) => e.outcome), ['sent', 'sent']);
  });

  it('re-ask in the cloud: allowed after a local answer in hybrid mode, and then answered by the cloud', async () => {
    const { backend, usage } = rig();
    engine.setFaults([{ fault: { kind: 'status', status: 401 }, path: CLOUD_PATH, times: 1 }]);
    const request = ask([piece('src/total.ts', 'let a = 1;')]);
    const first = await answer(backend, request);
    assert.equal(routeOf(first)?.kind === 'route' && routeOf(first)?.route.where, 'local', 'a rejected key falls back to the local model');
    assert.equal(await backend.cloudReaskAllowed(request), true);
    const again = await answer(backend, { ...request, preferCloud: true });
    assert.equal(routeOf(again)?.kind === 'route' && routeOf(again)?.route.where, 'cloud');
    assert.deepEqual(
      usage.map((u) => [u.route.where, u.outcome, u.reason]),
      [
        ['cloud', 'failed', 'policy'],
        ['local', 'answered', 'fallback'],
        ['cloud', 'answered', 'user'],
      ],
    );
  });
});
