// The privacy promise, tested the way a user would break it: thousands of seeded random sequences
// of toggles, policy-file and ignore-file edits (broken ones too), trust and setting changes, and
// chat/refactor requests on files whose content carries unique canary strings. The real
// PolicyStore, EgressGate and OpenAiTransport run against the loopback engine's OpenAI API, which
// records every body it receives. Whenever the test's own model of the rules (policyOracle.ts)
// says content must stay local, its canary must appear in no body the server received; content
// that may leave must arrive (so the test can tell a silent gate from a correct one).
//
// Most requests are judged from the gate's plan (the exact messages it hands the transport); a
// bounded sample is really sent over HTTP and checked byte for byte in the server's log.
import assert from 'node:assert/strict';
import type { AuditEntry, AuditSink } from '../../../src/core/egress/auditLog';
import { EgressGate } from '../../../src/core/egress/egressGate';
import { EgressRefusedError } from '../../../src/core/egress/egressPlan';
import type { ContentKind, EgressRequest, MessagePart } from '../../../src/core/egress/egressRequest';
import { PolicyStore } from '../../../src/core/policy/policyStore';
import { POLICY_FILE_NAMES, type FolderInputs, type PolicyFileName, type PolicyFileState } from '../../../src/core/policy/policyTypes';
import { OpenAiTransport } from '../../../src/backends/openai';
import { startEngine, type Engine } from '../../engine/server';
import {
  FILES,
  IGNORE_LINES,
  ignoreText,
  oracleAllowsCloud,
  POLICY_GLOBS,
  policyText,
  workspaceAllowsCloud,
  type FolderModel,
  type IgnoreFileModel,
  type OraclePattern,
  type RepoPolicyModel,
  type WorkspaceModel,
} from './policyOracle';
import { seededRandom } from '../../support/seededRandom';

const SEQUENCES = 10_000;
const MIN_STEPS = 3;
const MAX_STEPS = 10;
/** Real HTTP sends: bounded by count and by wall time. */
const MAX_HTTP_SENDS = 300;
const HTTP_BUDGET_MS = 90_000;
/** Share of allowed sends that go over HTTP (until the cap). */
const HTTP_SAMPLE_RATE = 0.06;
const SEED = Number(process.env.TANDEM_PRIVACY_SEED ?? 20_250_611);
const API_KEY = 'sk-test-randomized-privacy-key-0001';
const MODEL = 'gpt-4.1';
const FOLDERS = ['alpha', 'beta'] as const;
const IGNORE_FILES = ['.aiexclude', '.cursorignore', '.codeiumignore'] as const;
const BROKEN_POLICIES = ['{ "mode": ', '{"mode":"local"}', '["local-only"]', '{"exclude":"*.sql"}', '{"loosen":true}', ''];


class Dice {
  constructor(readonly next: () => number) {}
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  subset<T>(items: readonly T[], p: number): T[] {
    return items.filter(() => this.chance(p));
  }
}

class RecordingAudit implements AuditSink {
  readonly entries: AuditEntry[] = [];
  async append(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
}

function randomPolicy(dice: Dice): RepoPolicyModel {
  const roll = dice.next();
  if (roll < 0.35) return { kind: 'absent' };
  if (roll < 0.43) return { kind: 'broken', text: dice.pick(BROKEN_POLICIES) };
  if (roll < 0.45) return { kind: 'unreadable' };
  return {
    kind: 'valid',
    mode: dice.chance(0.08) ? 'local-only' : dice.chance(0.3) ? 'hybrid' : undefined,
    localOnly: dice.subset(POLICY_GLOBS, 0.2),
    exclude: dice.subset(POLICY_GLOBS, 0.1),
    allowCloudHosts: dice.chance(0.8) ? undefined : dice.pick([['127.0.0.1'], ['api.openai.com'], []]),
  };
}

function randomIgnore(dice: Dice): IgnoreFileModel {
  const roll = dice.next();
  if (roll < 0.5) return { kind: 'absent' };
  if (roll < 0.52) return { kind: 'unreadable' };
  return { kind: 'present', lines: dice.subset(IGNORE_LINES, 0.25) };
}

function policyState(policy: RepoPolicyModel): PolicyFileState {
  switch (policy.kind) {
    case 'absent':
      return { kind: 'absent' };
    case 'unreadable':
      return { kind: 'unreadable', error: 'EACCES: permission denied' };
    case 'broken':
      return { kind: 'present', text: policy.text };
    case 'valid':
      return { kind: 'present', text: policyText(policy) };
  }
}

function ignoreState(ignore: IgnoreFileModel): PolicyFileState {
  if (ignore.kind === 'absent') return { kind: 'absent' };
  if (ignore.kind === 'unreadable') return { kind: 'unreadable', error: 'EISDIR: illegal operation on a directory' };
  return { kind: 'present', text: ignoreText(ignore.lines) };
}

function folderInputs(name: string, folder: FolderModel): FolderInputs {
  const files = Object.fromEntries(
    POLICY_FILE_NAMES.map((fileName): [PolicyFileName, PolicyFileState] => [
      fileName,
      fileName === '.tandem/policy.json' ? policyState(folder.policy) : ignoreState(folder.ignore[fileName]),
    ]),
  ) as Record<PolicyFileName, PolicyFileState>;
  return { id: name, name, files };
}

function describePatterns(patterns: readonly OraclePattern[]): string {
  return patterns.map((p) => p.glob.replace(/\n/g, '⏎')).join(' ');
}

interface RunTotals {
  sequences: number;
  actions: number;
  requests: number;
  refused: number;
  sentPlans: number;
  httpSends: number;
  protectedParts: number;
  allowedParts: number;
  redactedSecrets: number;
}

describe('privacy under random action sequences (real PolicyStore, EgressGate, OpenAiTransport, loopback cloud)', function () {
  this.timeout(600_000);
  let engine: Engine;

  before(async () => {
    engine = await startEngine({ models: { [MODEL]: '1m' }, apiKey: API_KEY });
  });

  after(async () => {
    await engine?.stop();
  });

  it(`keeps every local-only or excluded canary out of every body the cloud received (${SEQUENCES} sequences)`, async () => {
    const started = Date.now();
    const dice = new Dice(seededRandom(SEED));
    const host = '127.0.0.1';
    const baseUrl = `${engine.url}/v1`;
    const transport = new OpenAiTransport({ apiKey: async () => API_KEY, firstByteTimeoutMs: 20_000, now: Date.now });
    const totals: RunTotals = { sequences: 0, actions: 0, requests: 0, refused: 0, sentPlans: 0, httpSends: 0, protectedParts: 0, allowedParts: 0, redactedSecrets: 0 };
    /** Canaries of content that had to stay local when it was requested; checked against every body at the end. */
    const protectedCanaries = new Set<string>();
    const fakeSecrets = new Set<string>();
    let canaryCount = 0;

    for (let sequence = 0; sequence < SEQUENCES; sequence++) {
      const trail: string[] = [];
      const model: WorkspaceModel = {
        userLocalOnly: dice.chance(0.1),
        toggle: dice.chance(0.15),
        trusted: dice.chance(0.9),
        nocase: dice.chance(0.5),
        allowedCloudHosts: dice.chance(0.9) ? [host] : ['api.openai.com'],
        folders: Object.fromEntries(
          FOLDERS.map((name): [string, FolderModel] => [
            name,
            { policy: randomPolicy(dice), ignore: { '.aiexclude': randomIgnore(dice), '.cursorignore': randomIgnore(dice), '.codeiumignore': randomIgnore(dice) } },
          ]),
        ),
      };
      const store = new PolicyStore(
        { userMode: model.userLocalOnly ? 'local-only' : 'hybrid', workspaceLocalOnly: model.toggle, trusted: model.trusted, caseInsensitive: model.nocase },
        FOLDERS.map((name) => folderInputs(name, model.folders[name])),
      );
      const audit = new RecordingAudit();
      const gate = new EgressGate({
        transport,
        policy: store,
        hostSettings: () => ({ allowedCloudHosts: model.allowedCloudHosts, allowInsecureLoopback: true }),
        audit,
        now: () => new Date(0),
      });
      const where = (): string => `seed ${SEED}, sequence ${sequence}:\n  ${trail.join('\n  ')}`;

      const steps = dice.int(MIN_STEPS, MAX_STEPS);
      for (let step = 0; step < steps; step++) {
        totals.actions++;
        const roll = dice.next();
        if (roll < 0.08) {
          model.toggle = !model.toggle;
          store.updateWorkspaceToggle(model.toggle);
          trail.push(`toggle -> ${model.toggle}`);
        } else if (roll < 0.13) {
          model.userLocalOnly = !model.userLocalOnly;
          store.updateUserMode(model.userLocalOnly ? 'local-only' : 'hybrid');
          trail.push(`tandem.mode -> ${model.userLocalOnly ? 'local-only' : 'hybrid'}`);
        } else if (roll < 0.18) {
          model.trusted = !model.trusted;
          store.updateTrust(model.trusted);
          trail.push(`trusted -> ${model.trusted}`);
        } else if (roll < 0.21) {
          model.allowedCloudHosts = model.allowedCloudHosts.includes(host) ? ['api.openai.com'] : [host];
          trail.push(`tandem.cloud.allowedHosts -> ${model.allowedCloudHosts.join(',')}`);
        } else if (roll < 0.36) {
          const folder = dice.pick(FOLDERS);
          const policy = randomPolicy(dice);
          model.folders[folder].policy = policy;
          store.updateFolderFile(folder, '.tandem/policy.json', policyState(policy));
          trail.push(
            `${folder}/.tandem/policy.json -> ${policy.kind}${policy.kind === 'valid' ? ` mode=${policy.mode} localOnly=[${describePatterns(policy.localOnly)}] exclude=[${describePatterns(policy.exclude)}] hosts=${JSON.stringify(policy.allowCloudHosts)}` : policy.kind === 'broken' ? ` ${JSON.stringify(policy.text)}` : ''}`,
          );
        } else if (roll < 0.5) {
          const folder = dice.pick(FOLDERS);
          const file = dice.pick(IGNORE_FILES);
          const ignore = randomIgnore(dice);
          model.folders[folder].ignore[file] = ignore;
          store.updateFolderFile(folder, file, ignoreState(ignore));
          trail.push(`${folder}/${file} -> ${ignore.kind}${ignore.kind === 'present' ? ` [${describePatterns(ignore.lines)}]` : ''}`);
        } else {
          totals.requests++;
          const command = dice.chance(0.5) ? 'chat' : 'refactor';
          const parts: Array<{ part: MessagePart; canary?: string; allowed?: boolean; secret?: string }> = [
            { part: { kind: 'instruction', text: command === 'chat' ? 'Explain this code.\n' : 'Refactor the selection.\n' } },
          ];
          const count = dice.int(1, 3);
          for (let index = 0; index < count; index++) {
            const folder = dice.pick(FOLDERS);
            const path = dice.pick(FILES);
            // The trailing _X keeps one canary from being a prefix of another.
            const canary = `CANARY_s${sequence}_n${++canaryCount}_X`;
            const secret = dice.chance(0.15) ? `ghp_${Array.from({ length: 36 }, () => dice.pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'])).join('')}` : undefined;
            const kind: ContentKind = index === 0 ? (command === 'refactor' ? 'selection' : 'current-file') : dice.pick(['snippet', 'attachment', 'diagnostics'] as const);
            const text = `// ${folder}/${path}\n// ${canary}\n${secret === undefined ? '' : `const token = "${secret}";\n`}`;
            parts.push({
              part: { kind, file: { folder, path }, text, required: command === 'refactor' && index === 0 },
              canary,
              allowed: oracleAllowsCloud(model, folder, path, host),
              secret,
            });
          }
          trail.push(`${command} on ${parts.slice(1).map((p) => `${p.allowed ? '' : '(local)'}${'file' in p.part ? `${p.part.file.folder}/${p.part.file.path}` : ''}`).join(', ')}`);
          const request: EgressRequest = { command, endpoint: { baseUrl, model: MODEL }, messages: [{ role: 'user', parts: parts.map((p) => p.part) }] };
          const content = parts.slice(1);
          const expectSend = workspaceAllowsCloud(model, host) && !content.some((p) => !p.allowed && 'required' in p.part && p.part.required === true);
          for (const p of content) {
            if (p.allowed) totals.allowedParts++;
            else {
              totals.protectedParts++;
              protectedCanaries.add(p.canary as string);
            }
            if (p.secret !== undefined) fakeSecrets.add(p.secret);
          }

          let sent: Awaited<ReturnType<EgressGate['send']>> | undefined;
          try {
            sent = await gate.send(request);
          } catch (error) {
            if (!EgressRefusedError.is(error)) throw error;
            assert.equal(expectSend, false, `the gate refused (${error.code}: ${error.reason}) what the rules allow; ${where()}`);
            totals.refused++;
            continue;
          }
          assert.equal(expectSend, true, `the gate let through what the rules keep local; ${where()}`);
          totals.sentPlans++;
          const planned = sent.plan.messages.map((m) => m.content).join('\n');
          for (const p of content) {
            assert.equal(planned.includes(p.canary as string), p.allowed, `${p.allowed ? 'allowed content missing from' : 'local content in'} the plan; ${where()}`);
            if (p.secret !== undefined) assert.ok(!planned.includes(p.secret), `an unredacted secret in the plan; ${where()}`);
          }
          totals.redactedSecrets += Object.values(sent.plan.redactions).reduce((sum, n) => sum + n, 0);

          if (totals.httpSends < MAX_HTTP_SENDS && Date.now() - started < HTTP_BUDGET_MS && dice.chance(HTTP_SAMPLE_RATE)) {
            totals.httpSends++;
            const before = engine.requests().length;
            // The request body is complete once the first event arrives; stop generating there.
            const abort = new AbortController();
            const events = (await gate.send({ ...request, signal: abort.signal })).events;
            try {
              for await (const event of events) {
                if (event.type === 'text') break;
              }
            } finally {
              abort.abort();
            }
            const received = engine.requests().slice(before);
            assert.equal(received.length, 1, `expected exactly one request at the cloud endpoint; ${where()}`);
            const [entry] = received;
            assert.equal(entry.headers.authorization, `Bearer ${API_KEY}`);
            for (const p of content) {
              assert.equal(entry.body.includes(p.canary as string), p.allowed, `${p.allowed ? 'allowed content did not arrive at' : 'LOCAL CONTENT REACHED'} the cloud endpoint; ${where()}`);
              if (p.secret !== undefined) assert.ok(!entry.body.includes(p.secret), `a secret reached the cloud endpoint; ${where()}`);
            }
          }
        }
      }
      for (const entry of audit.entries) {
        const line = JSON.stringify(entry);
        assert.ok(!/CANARY_/.test(line), `the audit log holds content; ${where()}`);
      }
      totals.sequences++;
    }

    // Every body the server ever received, against every canary that had to stay local.
    const bodies = engine.requests().map((entry) => entry.body);
    assert.equal(bodies.length, totals.httpSends, 'the cloud endpoint received requests the test did not send');
    const everything = bodies.join('\n');
    for (const canary of protectedCanaries) assert.ok(!everything.includes(canary), `local canary ${canary} reached the cloud endpoint`);
    for (const secret of fakeSecrets) assert.ok(!everything.includes(secret), 'a secret reached the cloud endpoint');

    const seconds = (Date.now() - started) / 1000;
    console.log(
      `      seed ${SEED}: ${totals.sequences} sequences, ${totals.actions} actions, ${totals.requests} requests ` +
        `(${totals.refused} refused, ${totals.sentPlans} planned sends, ${totals.httpSends} over HTTP), ` +
        `${totals.protectedParts} local-only parts, ${totals.allowedParts} cloud-allowed parts, ${totals.redactedSecrets} secrets redacted, in ${seconds.toFixed(1)} s`,
    );
    // The run must exercise both sides of the promise, or it proves nothing.
    assert.ok(totals.httpSends >= 50, `only ${totals.httpSends} requests went over HTTP`);
    assert.ok(totals.refused > 1000 && totals.sentPlans > 1000, `refused ${totals.refused}, sent ${totals.sentPlans}: the mix is too one-sided`);
    assert.ok(totals.protectedParts > 1000 && totals.redactedSecrets > 10, 'too few local-only parts or secrets to mean anything');
  });
});
