import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, appendFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlAuditSink, parseAuditLog, type AuditEntry, type AuditSink } from '../../../src/core/egress/auditLog';
import type { CloudChatMessage, CloudChatOptions, CloudStreamEvent, CloudTransport } from '../../../src/core/egress/cloudTransport';
import { EgressGate, type EgressPreviewOptions, type PreviewMode } from '../../../src/core/egress/egressGate';
import { EgressRefusedError, type CloudHostSettings, type EgressPlan } from '../../../src/core/egress/egressPlan';
import type { EgressRequest, MessagePart } from '../../../src/core/egress/egressRequest';
import { PolicyStore } from '../../../src/core/policy/policyStore';
import type { FolderInputs } from '../../../src/core/policy/policyTypes';
import { folderInputs } from '../policy/folderInputs';
import { ALNUM, FakeSecrets } from './fakeSecrets';

const API = 'file:///work/api';
const WEB = 'file:///work/web';
const CLOUD = 'https://api.openai.com/v1';
const fake = new FakeSecrets(7);

/** Records exactly what would go over the wire. */
class RecordingTransport implements CloudTransport {
  readonly calls: Array<{ messages: readonly CloudChatMessage[]; options: CloudChatOptions }> = [];

  streamChat(messages: readonly CloudChatMessage[], options: CloudChatOptions): AsyncIterable<CloudStreamEvent> {
    this.calls.push({ messages, options });
    return (async function* () {
      yield { type: 'text', text: 'Hello' } as const;
      yield { type: 'usage', promptTokens: 12, completionTokens: 1 } as const;
    })();
  }

  /** Everything received, as one string, for byte-level assertions. */
  wire(): string {
    return JSON.stringify(this.calls.map((call) => call.messages));
  }
}

class MemoryAuditSink implements AuditSink {
  readonly entries: AuditEntry[] = [];
  failWith: Error | undefined;

  async append(entry: AuditEntry): Promise<void> {
    if (this.failWith) throw this.failWith;
    // Round-trip through JSON, as the file sink would.
    this.entries.push(JSON.parse(JSON.stringify(entry)) as AuditEntry);
  }
}

interface Rig {
  gate: EgressGate;
  transport: RecordingTransport;
  audit: MemoryAuditSink;
  store: PolicyStore;
  hosts: { value: CloudHostSettings };
}

function rig(options: { folders?: FolderInputs[]; preview?: EgressPreviewOptions; hosts?: Partial<CloudHostSettings> } = {}): Rig {
  const store = new PolicyStore(
    { userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false },
    options.folders ?? [
      folderInputs(API, { '.tandem/policy.json': '{ "localOnly": ["src/billing/**"], "exclude": ["vendor/**"] }' }, 'api'),
      folderInputs(WEB, { '.aiexclude': 'generated/\n' }, 'web'),
    ],
  );
  const transport = new RecordingTransport();
  const audit = new MemoryAuditSink();
  const hosts = { value: { allowedCloudHosts: ['api.openai.com', 'llm.corp.example'], allowInsecureLoopback: false, ...options.hosts } };
  const gate = new EgressGate({
    transport,
    policy: store,
    hostSettings: () => hosts.value,
    audit,
    now: () => new Date('2025-01-02T03:04:05.000Z'),
    preview: options.preview,
  });
  return { gate, transport, audit, store, hosts };
}

function request(parts: MessagePart[], baseUrl = CLOUD): EgressRequest {
  return {
    command: 'refactor',
    endpoint: { baseUrl, model: 'gpt-4o-mini' },
    messages: [
      { role: 'system', parts: [{ kind: 'instruction', text: 'You are a careful refactoring assistant.\n' }] },
      { role: 'user', parts },
    ],
  };
}

const question: MessagePart = { kind: 'instruction', text: 'Please simplify this:\n' };
const selection = (text: string, path = 'src/app.ts', folder = API): MessagePart => ({
  kind: 'selection',
  file: { folder, path },
  text,
  required: true,
});
const snippet = (text: string, path: string, folder = API): MessagePart => ({ kind: 'snippet', file: { folder, path }, text });

async function refusal(promise: Promise<unknown>): Promise<EgressRefusedError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(EgressRefusedError.is(error), `expected EgressRefusedError, got ${String(error)}`);
    return error;
  }
  assert.fail('the gate sent a request it should have refused');
}

async function collect(events: AsyncIterable<CloudStreamEvent>): Promise<CloudStreamEvent[]> {
  const out: CloudStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('EgressGate', () => {
  describe('refusals', () => {
    it('refuses everything in a local-only workspace, says why, and audits the refusal', async () => {
      const { gate, transport, audit, store } = rig();
      store.updateWorkspaceToggle(true);
      const error = await refusal(gate.send(request([question, selection('const secretSauce = 1;')])));
      assert.equal(error.code, 'local-only');
      assert.equal(error.reason, 'Local-only: you switched this workspace to local-only.');
      assert.equal(transport.calls.length, 0);
      assert.equal(audit.entries.length, 1);
      assert.equal(audit.entries[0].outcome, 'refused');
      assert.deepEqual(audit.entries[0].refusal, { code: 'local-only', reason: error.reason });
      assert.deepEqual(audit.entries[0].files, []);
      assert.equal(audit.entries[0].dropped[0].path, 'src/app.ts');
      assert.ok(!JSON.stringify(audit.entries).includes('secretSauce'), 'audit holds no content');
    });

    it('refuses when a repository forces local-only, whatever the user chose', async () => {
      const { gate, transport } = rig({ folders: [folderInputs(API, { '.tandem/policy.json': '{ "mode": "local-only" }' }, 'api')] });
      const error = await refusal(gate.send(request([question])));
      assert.equal(error.code, 'local-only');
      assert.match(error.reason, /api\/\.tandem\/policy\.json sets "mode": "local-only"/);
      assert.equal(transport.calls.length, 0);
    });

    it('refuses when the policy file is broken (fail closed)', async () => {
      const { gate, transport } = rig({ folders: [folderInputs(API, { '.tandem/policy.json': '{ nope' }, 'api')] });
      const error = await refusal(gate.send(request([question])));
      assert.equal(error.code, 'local-only');
      assert.match(error.reason, /failing closed.*api\/\.tandem\/policy\.json/);
      assert.equal(transport.calls.length, 0);
    });

    it('refuses plain http to a cloud host, and to loopback unless the test switch allows it', async () => {
      const { gate, transport, hosts } = rig({ hosts: { allowedCloudHosts: ['api.openai.com', '127.0.0.1'] } });
      assert.equal((await refusal(gate.send(request([question], 'http://api.openai.com/v1')))).code, 'insecure-endpoint');
      assert.equal((await refusal(gate.send(request([question], 'http://127.0.0.1:4010/v1')))).code, 'insecure-endpoint');
      hosts.value = { ...hosts.value, allowInsecureLoopback: true };
      assert.equal((await refusal(gate.send(request([question], 'http://api.openai.com/v1')))).code, 'insecure-endpoint');
      await gate.send(request([question], 'http://127.0.0.1:4010/v1'));
      assert.equal(transport.calls.length, 1);
      assert.equal(transport.calls[0].options.baseUrl, 'http://127.0.0.1:4010/v1');
    });

    it('refuses hosts outside the user allow list, and a repository cannot add hosts', async () => {
      const { gate, transport } = rig({
        folders: [folderInputs(API, { '.tandem/policy.json': '{ "allowCloudHosts": ["attacker.example.net"] }' }, 'api')],
      });
      const error = await refusal(gate.send(request([question, selection('x')], 'https://attacker.example.net/v1')));
      assert.equal(error.code, 'host-not-allowed');
      assert.match(error.reason, /attacker\.example\.net is not in your allowed cloud hosts \(api\.openai\.com, llm\.corp\.example\)/);
      assert.equal(transport.calls.length, 0);
    });

    it('refuses malformed endpoints and endpoints carrying credentials', async () => {
      const { gate, transport } = rig();
      assert.equal((await refusal(gate.send(request([question], 'api.openai.com')))).code, 'invalid-endpoint');
      const withKey = await refusal(gate.send(request([question], 'https://user:sk-123@api.openai.com/v1')));
      assert.equal(withKey.code, 'invalid-endpoint');
      assert.ok(!withKey.reason.includes('sk-123'));
      assert.equal(transport.calls.length, 0);
    });

    it('refuses a request whose required selection is local-only or excluded', async () => {
      const { gate, transport } = rig();
      const local = await refusal(gate.send(request([question, selection('charge(card)', 'src/billing/charge.ts')])));
      assert.equal(local.code, 'required-content-blocked');
      assert.match(local.reason, /^The selection from src\/billing\/charge\.ts cannot be sent: Local-only: api\/src\/billing\/charge\.ts matches localOnly pattern "src\/billing\/\*\*"/);
      const secretFile = await refusal(gate.send(request([question, selection('A=1', 'deploy/.env.production')])));
      assert.match(secretFile.reason, /looks like a secrets file/);
      assert.equal(transport.calls.length, 0);
    });

    it('refuses when nothing is left after dropping', async () => {
      const { gate, transport } = rig();
      const bare: EgressRequest = {
        command: 'chat',
        endpoint: { baseUrl: CLOUD, model: 'm' },
        messages: [{ role: 'user', parts: [snippet('vendor code', 'vendor/lib.js')] }],
      };
      assert.equal((await refusal(gate.send(bare))).code, 'nothing-to-send');
      assert.equal(transport.calls.length, 0);
    });
  });

  describe('drops', () => {
    it('drops disallowed optional parts, reports each with its reason, and sends the rest', async () => {
      const { gate, transport, audit } = rig();
      const response = await gate.send(
        request([
          question,
          selection('function add(a, b) { return a + b; }\n'),
          snippet('BILLING_INTERNALS\n', 'src/billing/ledger.ts'),
          snippet('VENDORED_BLOB\n', 'vendor/x/lib.js'),
          snippet('GENERATED_CLIENT\n', 'generated/client.ts', WEB),
          snippet('WEB_UTIL\n', 'src/util.ts', WEB),
          { kind: 'diagnostics', file: { folder: API, path: 'src/billing/ledger.ts' }, text: 'ledger.ts:3 BILLING_DIAG\n' },
        ]),
      );
      const wire = transport.wire();
      for (const leaked of ['BILLING_INTERNALS', 'VENDORED_BLOB', 'GENERATED_CLIENT', 'BILLING_DIAG']) {
        assert.ok(!wire.includes(leaked), `${leaked} reached the transport`);
      }
      assert.ok(wire.includes('return a + b') && wire.includes('WEB_UTIL'));
      assert.deepEqual(
        response.plan.dropped.map((d) => [d.folder, d.path, d.kind]),
        [
          [API, 'src/billing/ledger.ts', 'snippet'],
          [API, 'vendor/x/lib.js', 'snippet'],
          [WEB, 'generated/client.ts', 'snippet'],
          [API, 'src/billing/ledger.ts', 'diagnostics'],
        ],
      );
      assert.match(response.plan.dropped[1].reason, /exclude pattern "vendor\/\*\*"/);
      assert.match(response.plan.dropped[2].reason, /web\/\.aiexclude \(line 1\)/);
      assert.deepEqual(audit.entries[0].dropped, response.plan.dropped);
      assert.deepEqual(await collect(response.events), [
        { type: 'text', text: 'Hello' },
        { type: 'usage', promptTokens: 12, completionTokens: 1 },
      ]);
    });

    it('lets a repository narrow the hosts for its own content only', async () => {
      const { gate, transport } = rig({
        folders: [
          folderInputs(API, { '.tandem/policy.json': '{ "allowCloudHosts": ["api.openai.com"] }' }, 'api'),
          folderInputs(WEB, {}, 'web'),
        ],
      });
      const response = await gate.send(
        request([question, snippet('API_ONLY\n', 'src/a.ts'), snippet('WEB_OK\n', 'src/b.ts', WEB)], 'https://llm.corp.example/v1'),
      );
      assert.ok(!transport.wire().includes('API_ONLY'));
      assert.ok(transport.wire().includes('WEB_OK'));
      assert.match(response.plan.dropped[0].reason, /api\/\.tandem\/policy\.json allows its content to go only to api\.openai\.com, not llm\.corp\.example/);
      const required = await refusal(gate.send(request([question, selection('API_ONLY')], 'https://llm.corp.example/v1')));
      assert.equal(required.code, 'required-content-blocked');
    });
  });

  describe('redaction and audit', () => {
    it('redacts secrets in content and in the prompt, and audits rule ids but never the secrets', async () => {
      const { gate, transport, audit } = rig();
      const githubToken = `ghp_${fake.chars(ALNUM, 36)}`;
      const dbPassword = fake.chars(ALNUM, 18);
      const response = await gate.send(
        request([
          { kind: 'instruction', text: `My token is ${githubToken}, why does this fail?\n` },
          selection(`const url = "postgres://app:${dbPassword}@db/app";\nconst t = "${githubToken}";\n`),
        ]),
      );
      const wire = transport.wire();
      assert.ok(!wire.includes(githubToken) && !wire.includes(dbPassword), 'no secret on the wire');
      assert.ok(wire.includes('[REDACTED:github-pat]') && wire.includes('[REDACTED:postgres-connection-string]'));
      assert.deepEqual(response.plan.redactions, { 'github-pat': 2, 'postgres-connection-string': 1 });
      const line = JSON.stringify(audit.entries[0]);
      assert.ok(!line.includes(githubToken) && !line.includes(dbPassword), 'no secret in the audit entry');
      assert.deepEqual(audit.entries[0].redactions, { 'github-pat': 2, 'postgres-connection-string': 1 });
    });

    it('records time, host, model, command, per-file byte counts and a token estimate', async () => {
      const { gate, transport, audit } = rig();
      const text = 'const café = "naïve";\n';
      await gate.send(request([question, selection(text, 'src/i18n.ts'), snippet('x\n', 'src/util.ts', WEB)], 'https://api.openai.com:443/v1'));
      const entry = audit.entries[0];
      assert.equal(entry.time, '2025-01-02T03:04:05.000Z');
      assert.equal(entry.outcome, 'sent');
      assert.equal(entry.host, 'api.openai.com');
      assert.equal(entry.model, 'gpt-4o-mini');
      assert.equal(entry.command, 'refactor');
      assert.deepEqual(entry.files, [
        { folder: API, path: 'src/i18n.ts', kind: 'selection', bytes: Buffer.byteLength(text) },
        { folder: WEB, path: 'src/util.ts', kind: 'snippet', bytes: 2 },
      ]);
      assert.equal(Buffer.byteLength(text), text.length + 2, 'multi-byte characters are counted in bytes');
      const sentChars = transport.calls[0].messages.reduce((n, m) => n + m.content.length, 0);
      assert.equal(entry.tokenEstimate, Math.ceil(sentChars / 4));
      assert.equal(entry.instructionBytes, Buffer.byteLength('You are a careful refactoring assistant.\n') + Buffer.byteLength('Please simplify this:\n'));
    });

    it('sends nothing when the audit log cannot be written', async () => {
      const { gate, transport, audit } = rig();
      audit.failWith = new Error('ENOSPC: no space left on device');
      const error = await refusal(gate.send(request([question])));
      assert.equal(error.code, 'audit-failed');
      assert.match(error.reason, /ENOSPC/);
      assert.equal(transport.calls.length, 0);
    });

    it('hands the transport the checked endpoint, model and abort signal, and assembles parts in order', async () => {
      const { gate, transport } = rig();
      const controller = new AbortController();
      await gate.send({ ...request([question, selection('SEL')]), signal: controller.signal });
      assert.deepEqual(transport.calls[0].options, { baseUrl: CLOUD, model: 'gpt-4o-mini', signal: controller.signal });
      assert.deepEqual(transport.calls[0].messages, [
        { role: 'system', content: 'You are a careful refactoring assistant.\n' },
        { role: 'user', content: 'Please simplify this:\nSEL' },
      ]);
    });

    it('preflight plans without sending or auditing', () => {
      const { gate, transport, audit } = rig();
      const outcome = gate.preflight(request([question, snippet('BILLING', 'src/billing/a.ts')]));
      assert.ok(outcome.ok);
      assert.equal(outcome.plan.dropped.length, 1);
      assert.equal(transport.calls.length, 0);
      assert.equal(audit.entries.length, 0);
    });

    it('keeps the transport out of reach', () => {
      const { gate, transport } = rig();
      for (const key of Reflect.ownKeys(gate)) {
        assert.notEqual((gate as unknown as Record<PropertyKey, unknown>)[key], transport);
      }
      assert.ok(!('transport' in gate));
    });
  });

  describe('preview', () => {
    function previewRig(mode: PreviewMode, answers: boolean[]): Rig & { shown: EgressPlan[] } {
      const shown: EgressPlan[] = [];
      let approved = false;
      const preview: EgressPreviewOptions = {
        mode: () => mode,
        confirm: async (plan) => {
          shown.push(plan);
          return answers.shift() ?? false;
        },
        wasApproved: () => approved,
        markApproved: () => {
          approved = true;
        },
      };
      return { ...rig({ preview }), shown };
    }

    it('never: sends without asking', async () => {
      const r = previewRig('never', []);
      await r.gate.send(request([question]));
      assert.equal(r.shown.length, 0);
      assert.equal(r.transport.calls.length, 1);
    });

    it('always: shows exactly the redacted messages that will leave, every time', async () => {
      const r = previewRig('always', [true, true]);
      const token = `ghp_${fake.chars(ALNUM, 36)}`;
      await r.gate.send(request([question, selection(`t = "${token}"`)]));
      await r.gate.send(request([question]));
      assert.equal(r.shown.length, 2);
      assert.deepEqual(r.shown[0].messages, r.transport.calls[0].messages);
      assert.ok(!JSON.stringify(r.shown[0]).includes(token));
    });

    it('always: one approval covers the retries of one request, not a new request or other content', async () => {
      const r = previewRig('always', [true, true, true, true]);
      const turn = {};
      await r.gate.send({ ...request([question]), attemptOf: turn });
      await r.gate.send({ ...request([question]), attemptOf: turn });
      assert.equal(r.shown.length, 1, 'the retry sends what was approved');
      assert.equal(r.transport.calls.length, 2);
      assert.equal(r.audit.entries.length, 2, 'every attempt is audited');
      await r.gate.send({ ...request([question]), attemptOf: {} });
      assert.equal(r.shown.length, 2, 'a new request is previewed');
      await r.gate.send({ ...request([question, selection('const changed = 1;')]), attemptOf: turn });
      assert.equal(r.shown.length, 3, 'other content is previewed');
      await r.gate.send(request([question]));
      assert.equal(r.shown.length, 4, 'without attemptOf every send is previewed');
    });

    it('first-time: asks until the user approves once in this workspace', async () => {
      const r = previewRig('first-time', [false, true]);
      const declined = await refusal(r.gate.send(request([question])));
      assert.equal(declined.code, 'preview-declined');
      assert.equal(r.transport.calls.length, 0);
      assert.equal(r.audit.entries[0].outcome, 'refused');
      await r.gate.send(request([question]));
      await r.gate.send(request([question]));
      assert.equal(r.shown.length, 2);
      assert.equal(r.transport.calls.length, 2);
    });

    it('sends nothing when the policy changed while the preview was open', async () => {
      const shown: EgressPlan[] = [];
      let store: PolicyStore | undefined;
      const preview: EgressPreviewOptions = {
        mode: () => 'always',
        confirm: async (plan) => {
          shown.push(plan);
          store?.updateFolderFile(API, '.aiexclude', { kind: 'present', text: 'src/helpers.ts\n' });
          return true;
        },
        wasApproved: () => false,
        markApproved: () => undefined,
      };
      const r = rig({ preview });
      store = r.store;
      const error = await refusal(r.gate.send(request([question, snippet('HELPERS', 'src/helpers.ts')])));
      assert.equal(error.code, 'policy-changed');
      assert.equal(r.transport.calls.length, 0);
      assert.ok(shown[0].messages.some((m) => m.content.includes('HELPERS')));
    });
  });
});

describe('JSONL audit log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-audit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory, appends one entry per line, and reads back', async () => {
    const file = join(dir, 'nested', 'egress.jsonl');
    const sink = new JsonlAuditSink({ mkdir, appendFile }, file);
    const store = new PolicyStore({ userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false }, [
      folderInputs(API, {}, 'api'),
    ]);
    const gate = new EgressGate({
      transport: new RecordingTransport(),
      policy: store,
      hostSettings: () => ({ allowedCloudHosts: ['api.openai.com'], allowInsecureLoopback: false }),
      audit: sink,
      now: () => new Date(0),
    });
    const token = `ghp_${fake.chars(ALNUM, 36)}`;
    await gate.send(request([question, selection(`const t = "${token}";`)]));
    store.updateUserMode('local-only');
    await refusal(gate.send(request([question])));
    const text = await readFile(file, 'utf8');
    assert.equal(text.split('\n').length, 3, 'two lines and a final newline');
    assert.ok(!text.includes(token));
    const entries = parseAuditLog(`${text}{"torn line`);
    assert.deepEqual(
      entries.map((e) => [e.outcome, e.refusal?.code]),
      [
        ['sent', undefined],
        ['refused', 'local-only'],
      ],
    );
    assert.deepEqual(entries[0].redactions, { 'github-pat': 1 });
  });
});
