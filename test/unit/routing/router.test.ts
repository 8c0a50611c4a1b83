import assert from 'node:assert/strict';
import type { BreakerState } from '../../../src/core/net/breaker';
import type { PolicyDecision } from '../../../src/core/policy/policyTypes';
import { routeChat, type CloudEndpoint, type RoutingInput } from '../../../src/core/routing/router';

const allow: PolicyDecision = { allowCloud: true, allowAi: true, layer: 'default', reason: 'Hybrid mode: cloud allowed.' };
const localOnly = (reason: string): PolicyDecision => ({ allowCloud: false, allowAi: true, layer: 'repo-policy', reason });
const excluded = (reason: string): PolicyDecision => ({ allowCloud: false, allowAi: false, layer: 'builtin-secret', reason });

const primary: CloudEndpoint = { id: 'primary', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4.1', label: 'api.openai.com', hasKey: true };
const secondary: CloudEndpoint = { id: 'secondary', baseUrl: 'https://backup.example/v1', model: 'gpt-4.1-mini', label: 'backup.example', hasKey: true };
const local = { id: 'local', model: 'qwen2.5-coder:7b', label: 'local Ollama at 127.0.0.1:11434' };

function input(over: Partial<RoutingInput> & { states?: Record<string, BreakerState> } = {}): RoutingInput {
  const { states = {}, ...rest } = over;
  return { workspace: allow, files: [], cloud: [primary, secondary], local, health: (id) => states[id] ?? 'closed', preferCloud: false, ...rest };
}

/** "cloud:gpt-4.1 > local:qwen" — the order of candidates, for compact assertions. */
const order = (plan: ReturnType<typeof routeChat>) => plan.candidates.map((c) => `${c.where}:${c.endpoint.model}`).join(' > ');

describe('chat router', () => {
  it('hybrid, every file allows cloud: primary, fallback, then local', () => {
    const plan = routeChat(input({ files: [{ path: 'src/a.ts', decision: allow }, { path: 'src/b.ts', decision: allow }] }));
    assert.equal(order(plan), 'cloud:gpt-4.1 > cloud:gpt-4.1-mini > local:qwen2.5-coder:7b');
    assert.match(plan.candidates[0]!.why, /all 2 included files/);
    assert.deepEqual(plan.skipped, []);
  });

  it('gives each candidate a category for the usage ledger: policy, fallback, or the user re-asking in the cloud', () => {
    const reasons = (plan: ReturnType<typeof routeChat>) => plan.candidates.map((c) => c.reason);
    assert.deepEqual(reasons(routeChat(input())), ['policy', 'fallback', 'fallback']);
    assert.deepEqual(reasons(routeChat(input({ preferCloud: true }))), ['user', 'fallback', 'fallback']);
    assert.deepEqual(reasons(routeChat(input({ workspace: localOnly('Local-only is on for this workspace.'), preferCloud: true }))), ['policy']);
    assert.deepEqual(reasons(routeChat(input({ cloud: [{ ...primary, hasKey: false }] }))), ['policy'], 'no usable cloud endpoint: local is the plan, not a fallback');
  });

  it('one localOnly file keeps the whole request local, naming the file and the rule', () => {
    const plan = routeChat(input({ files: [{ path: 'src/a.ts', decision: allow }, { path: 'src/secret/k.ts', decision: localOnly('matches localOnly "src/secret/**" in .tandem/policy.json') }] }));
    assert.equal(order(plan), 'local:qwen2.5-coder:7b');
    assert.match(plan.candidates[0]!.why, /src\/secret\/k\.ts: matches localOnly/);
  });

  it('local-only workspace (mode, toggle or trust) keeps it local even with no files', () => {
    const plan = routeChat(input({ workspace: { allowCloud: false, allowAi: true, layer: 'workspace-toggle', reason: 'Local-only is on for this workspace.' } }));
    assert.equal(order(plan), 'local:qwen2.5-coder:7b');
    assert.match(plan.candidates[0]!.why, /Local-only is on/);
  });

  it('preferCloud is not honoured when policy forbids the cloud, and says so', () => {
    const plan = routeChat(input({ preferCloud: true, files: [{ path: 'k.ts', decision: localOnly('localOnly') }] }));
    assert.equal(order(plan), 'local:qwen2.5-coder:7b');
    assert.match(plan.candidates[0]!.why, /cloud requested, but policy keeps this request local/);
  });

  it('a file excluded from AI blocks the request entirely', () => {
    const plan = routeChat(input({ files: [{ path: '.env', decision: excluded('built-in exclusion .env*') }] }));
    assert.deepEqual(plan.candidates, []);
    assert.match(plan.blocked!, /\.env is excluded from AI: built-in exclusion/);
  });

  it('an endpoint without a key is skipped with the reason', () => {
    const plan = routeChat(input({ cloud: [{ ...primary, hasKey: false }, secondary] }));
    assert.equal(order(plan), 'cloud:gpt-4.1-mini > local:qwen2.5-coder:7b');
    assert.deepEqual(plan.skipped.map((s) => [s.endpoint.id, s.cause]), [['primary', 'no-key']]);
    assert.match(plan.candidates[0]!.why, /gpt-4\.1 \(api\.openai\.com\) skipped: no API key/);
  });

  it('no key anywhere: local answers, and its reason says why', () => {
    const plan = routeChat(input({ cloud: [{ ...primary, hasKey: false }] }));
    assert.equal(order(plan), 'local:qwen2.5-coder:7b');
    assert.match(plan.candidates[0]!.why, /no API key/);
  });

  it('an open breaker skips the endpoint; half-open lets a probe through', () => {
    assert.equal(order(routeChat(input({ states: { primary: 'open' } }))), 'cloud:gpt-4.1-mini > local:qwen2.5-coder:7b');
    assert.equal(order(routeChat(input({ states: { primary: 'half-open' } }))), 'cloud:gpt-4.1 > cloud:gpt-4.1-mini > local:qwen2.5-coder:7b');
    assert.equal(routeChat(input({ states: { primary: 'open' } })).skipped[0]!.cause, 'circuit-open');
  });

  it('preferCloud (allowed) tries an endpoint even while its breaker is open', () => {
    const plan = routeChat(input({ preferCloud: true, states: { primary: 'open', secondary: 'open' } }));
    assert.equal(order(plan), 'cloud:gpt-4.1 > cloud:gpt-4.1-mini > local:qwen2.5-coder:7b');
    assert.match(plan.candidates[0]!.why, /re-asked in the cloud/);
  });

  it('no cloud endpoint configured: local', () => {
    const plan = routeChat(input({ cloud: [] }));
    assert.equal(order(plan), 'local:qwen2.5-coder:7b');
    assert.match(plan.candidates[0]!.why, /no cloud endpoint/);
  });

  it('exclusion wins over everything, including preferCloud and local-only', () => {
    const plan = routeChat(input({ preferCloud: true, workspace: localOnly('x'), files: [{ path: 'id_rsa', decision: excluded('private key') }] }));
    assert.deepEqual(plan.candidates, []);
  });
});
