import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import { UsageStore, USAGE_FILE } from '../../../src/core/usage/store';
import { LazyUsageLedger } from '../../../src/vscode/usage/lazyLedger';
import { RetentionTracker } from '../../../src/vscode/usage/retentionTracker';
import { StorageFolderFiles } from '../../../src/vscode/usage/storageFiles';
import type { UsageSnapshot } from '../../../src/vscode/usage/usageCommands';
import { UsagePricingReader } from '../../../src/vscode/usage/usagePricing';
import { UsageRecorder } from '../../../src/vscode/usage/usageRecorder';
import { LOCAL_HOST_ENV } from './environment';

const EXTENSION_ID = 'tandem-dev.tandem';
const POLL_MS = 200;
const POLL_ATTEMPTS = 100;

/** A request the loopback engine logged (the fields compared with the ledger). */
interface EngineRequest {
  path: string;
  status?: number;
  aborted?: boolean;
  promptTokens?: number;
  generatedTokens?: number;
}

async function engineRequests(host: string): Promise<EngineRequest[]> {
  const response = await fetch(`${host}/__engine/stats`, { signal: AbortSignal.timeout(5_000) });
  return ((await response.json()) as { requests: EngineRequest[] }).requests;
}

function snapshot(): Thenable<UsageSnapshot> {
  return vscode.commands.executeCommand<UsageSnapshot>('tandem.internal.usageSnapshot');
}

interface LocalCounters {
  requests: number;
  chatRequests: number;
  shown: number;
  accepted: number;
  /** Token counts the server reported (estimates left out). */
  exactPrompt: number;
  exactCompletion: number;
}

/** Today's counters of one local backend, zeros when it has none yet. */
function localCounters(snap: UsageSnapshot, model: string): LocalCounters {
  const cell = snap.byBackend[`local:${model}`];
  if (!cell) return { requests: 0, chatRequests: 0, shown: 0, accepted: 0, exactPrompt: 0, exactCompletion: 0 };
  return {
    requests: cell.requests,
    chatRequests: cell.chat.policy + cell.chat.fallback + cell.chat.user,
    shown: cell.shown,
    accepted: cell.accepted,
    exactPrompt: cell.promptTokens - cell.estimatedPromptTokens,
    exactCompletion: cell.completionTokens - cell.estimatedCompletionTokens,
  };
}

async function tempFolder(): Promise<{ uri: vscode.Uri; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'tandem-usage-'));
  return { uri: vscode.Uri.file(path), remove: () => rm(path, { recursive: true, force: true }) };
}

describe('Usage ledger in the extension host', () => {
  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('stores the ledger through vscode.workspace.fs: missing file, write, overwriting rename', async () => {
    const folder = await tempFolder();
    try {
      const files = new StorageFolderFiles(vscode.Uri.joinPath(folder.uri, 'not-yet-created'));
      assert.equal(await files.read('usage.json'), undefined);
      await files.write('a.tmp', 'first');
      await files.write('b.json', 'old');
      await files.rename('a.tmp', 'b.json');
      assert.equal(await files.read('b.json'), 'first');
      assert.equal(await files.read('a.tmp'), undefined);
    } finally {
      await folder.remove();
    }
  });

  it('saves records with the store and sets a damaged file aside on the next load', async () => {
    const folder = await tempFolder();
    const warnings: string[] = [];
    const store = (): UsageStore =>
      new UsageStore({ files: new StorageFolderFiles(folder.uri), clock: Date, timers: { setTimeout, clearTimeout }, log: { warn: (m) => warnings.push(m) }, flushDelayMs: 10 });
    try {
      const first = store();
      (await first.open()).recordRequest({ kind: 'completion', workspace: 'w', backend: 'local:m', tokens: { promptTokens: 12, completionTokens: 3, estimated: false } });
      await first.dispose();
      const reloaded = await store().open();
      assert.equal(reloaded.todayTotals().byBackend.get('local:m')?.tokens, 15);

      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder.uri, USAGE_FILE), new TextEncoder().encode('{"format":"tandem-usage","vers'));
      const fresh = await store().open();
      assert.equal(fresh.todayTotals().byBackend.size, 0);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      const names = (await vscode.workspace.fs.readDirectory(folder.uri)).map(([name]) => name);
      assert.ok(names.some((name) => name.startsWith('usage.corrupt-')), names.join());
    } finally {
      await folder.remove();
    }
  });

  it('follows an accepted text through real edits and reports the characters still there', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: 'const x = foo(1);\n' });
    const editor = await vscode.window.showTextDocument(document);
    // Long enough for both edits to reach the extension host, however busy it is.
    const checked = new Promise<[string, number, string]>((resolve) => {
      const tracker = new RetentionTracker((id, chars) => {
        tracker.dispose();
        resolve([id, chars, document.getText()]);
      }, 3_000);
      tracker.track('s1', document, new vscode.Position(0, 10), 'foo(1)');
    });
    // Typing before the span moves it; replacing "1" with "42" inside it loses one character.
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), '// note\n'));
    await editor.edit((b) => b.replace(new vscode.Range(1, 14, 1, 15), '42'));
    assert.equal(document.getText(), '// note\nconst x = foo(42);\n');
    assert.deepEqual(await checked, ['s1', 5, '// note\nconst x = foo(42);\n']);
  });

  it('maps completion events and chat records to the ledger: outcomes, errors, routes, reasons', async () => {
    const folder = await tempFolder();
    const log = vscode.window.createOutputChannel('Tandem usage test', { log: true });
    const ledger = new LazyUsageLedger(new UsageStore({ files: new StorageFolderFiles(folder.uri), clock: Date, timers: { setTimeout, clearTimeout }, log }), log);
    const recorder = new UsageRecorder({ ledger, pricing: new UsagePricingReader(() => 'gpt-4.1', log), workspaceId: () => 'ws', completionModel: () => 'fim-model' });
    try {
      const finished = { type: 'requestFinished', documentUri: 'file:///a.ts', latencyMs: 120, firstChunkMs: 40, generatedTokens: 7, promptTokens: 300, error: undefined } as const;
      recorder.completionEvent({ ...finished, requestId: 1, outcome: 'completed', engineMs: 100 });
      recorder.completionEvent({ ...finished, requestId: 2, outcome: 'superseded', engineMs: undefined });
      recorder.completionEvent({ ...finished, requestId: 3, outcome: 'timeout', engineMs: undefined });
      recorder.completionEvent({ ...finished, requestId: 4, outcome: 'failed', engineMs: undefined });
      recorder.completionEvent({ type: 'suggestionShown', suggestionId: 's', documentUri: 'file:///a.ts', source: 'model', requestId: 1, latencyMs: 130, characters: 12 });
      recorder.completionEvent({ type: 'suggestionAccepted', suggestionId: 's', documentUri: 'file:///a.ts', source: 'model', requestId: 1, characters: 12 });
      const chat = { route: { model: 'gpt-4.1', where: 'cloud', why: 'hybrid mode' }, usage: { promptTokens: 500, completionTokens: 90, estimated: false }, latencyMs: 2_000, firstTextMs: 300, retries: 0 } as const;
      recorder.chatUsage({ ...chat, command: 'explain', reason: 'policy', outcome: 'answered' });
      recorder.chatUsage({ ...chat, command: 'fix', reason: 'policy', outcome: 'failed' });
      recorder.chatUsage({ ...chat, command: 'refactor', route: { model: 'local-chat', where: 'local', why: 'fallback: cloud failed' }, reason: 'fallback', outcome: 'interrupted' });

      const today = (await ledger.open()).todayTotals({ workspace: 'ws' }).byBackend;
      const fim = today.get('local:fim-model');
      assert.ok(fim);
      assert.deepEqual(
        { requests: fim.counters.requests, cancelled: fim.counters.cancelled, errors: fim.counters.errors, shown: fim.counters.shown, accepted: fim.counters.accepted, acceptedChars: fim.counters.acceptedChars },
        { requests: 3, cancelled: 2, errors: 2, shown: 1, accepted: 1, acceptedChars: 12 },
      );
      // Only the completed request has the server's counts; only it has a total time.
      assert.deepEqual([fim.counters.promptTokens, fim.counters.estimatedPromptTokens, fim.total.count, fim.ttft.count], [900, 600, 1, 3]);
      const cloud = today.get('cloud:gpt-4.1');
      assert.deepEqual([cloud?.counters.requests, cloud?.counters.errors, cloud?.counters.chat.policy, cloud?.counters.refactor.policy, cloud?.tokens], [1, 1, 1, 0, 590]);
      const local = today.get('local:local-chat');
      assert.deepEqual([local?.counters.requests, local?.counters.errors, local?.counters.refactor.fallback, local?.total.count], [1, 1, 1, 0]);
    } finally {
      recorder.dispose();
      // Written before the folder goes, so the final write on dispose has nothing left to do.
      await ledger.flush();
      ledger.dispose();
      log.dispose();
      await folder.remove();
    }
  });

  it('opens the dashboard as a webview tab', async () => {
    await vscode.commands.executeCommand('tandem.showUsage');
    const dashboardTab = (): vscode.Tab | undefined =>
      vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.label === 'Tandem Usage' && tab.input instanceof vscode.TabInputWebview);
    // The tab model reaches the extension host after the panel is created.
    for (let i = 0; i < POLL_ATTEMPTS && !dashboardTab(); i++) await sleep(POLL_MS / 4);
    assert.ok(dashboardTab(), vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => tab.label)).join());
  });

  it('records a real inline completion from the loopback engine with the engine’s token counts', async function () {
    const host = process.env[LOCAL_HOST_ENV];
    if (!host) this.skip();
    this.timeout(60_000);
    const config = vscode.workspace.getConfiguration('tandem');
    const model = config.get<string>('completion.model') ?? '';
    // A tiny token budget makes the engine finish the answer itself (a stream the client stops
    // carries no server counts, and is recorded as an estimate instead). The settings' minimum, 8:
    // a stream cut by its budget is offered up to its last whole word, and the test model's first
    // few tokens are often one long word.
    const budgets = ['completion.maxTokens', 'completion.singleLineMaxTokens'];
    const budget = 8;
    for (const key of budgets) await config.update(key, budget, vscode.ConfigurationTarget.Global);
    // The update resolves before every listener has seen it in code-server; wait until this
    // host's configuration (which the extension reads) has the values.
    const applied = (): boolean => budgets.every((key) => vscode.workspace.getConfiguration('tandem').get(key) === budget);
    for (let i = 0; i < POLL_ATTEMPTS && !applied(); i++) await sleep(POLL_MS);
    try {
      const before = localCounters(await snapshot(), model);
      const engineBefore = (await engineRequests(host)).length;
      const editor = await vscode.window.showTextDocument(await sampleFile('usage-sample.ts', 'export function add(a: number, b: number): number {\n  return a + b;\n}\n\nexport const total = add'));
      const end = editor.document.positionAt(editor.document.getText().length);
      editor.selection = new vscode.Selection(end, end);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');

      const { after, exact, seen } = await settled(host, model, engineBefore, before, (now) => now.shown > before.shown);
      assert.ok(after.requests > before.requests, `no completion request in the ledger: ${seen}`);
      assert.ok(exact.prompt > 0, `the engine answered no completion in full: ${seen}`);
      assert.equal(after.exactPrompt - before.exactPrompt, exact.prompt, `prompt tokens: the engine’s count; ${seen}`);
      assert.equal(after.exactCompletion - before.exactCompletion, exact.generated, `completion tokens: the engine’s count; ${seen}`);
      assert.ok(after.shown > before.shown, `the suggestion was not counted as shown: ${seen}`);

      await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
      let accepted = after;
      for (let i = 0; i < POLL_ATTEMPTS && accepted.accepted === before.accepted; i++) {
        await sleep(POLL_MS);
        accepted = localCounters(await snapshot(), model);
      }
      assert.equal(accepted.accepted, before.accepted + 1, 'the accepted suggestion was not counted');
    } finally {
      for (const key of budgets) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('records a real chat request answered by the local model with the engine’s token counts', async function () {
    const host = process.env[LOCAL_HOST_ENV];
    if (!host) this.skip();
    this.timeout(90_000);
    const config = vscode.workspace.getConfiguration('tandem');
    // The loopback engine serves one model; no cloud key is set, so the chat stays local.
    const model = config.get<string>('completion.model') ?? '';
    await config.update('chat.localModel', model, vscode.ConfigurationTarget.Global);
    try {
      const before = localCounters(await snapshot(), model);
      const engineBefore = (await engineRequests(host)).length;
      const editor = await vscode.window.showTextDocument(await sampleFile('usage-chat.ts', 'export const answer = 40 + 2;\n'));
      editor.selection = new vscode.Selection(0, 0, 0, 29);
      await vscode.commands.executeCommand('tandem.explainSelection');

      const { after, exact, seen } = await settled(host, model, engineBefore, before, (now) => now.chatRequests > before.chatRequests);
      assert.equal(after.chatRequests, before.chatRequests + 1, `one chat request in the ledger: ${seen}`);
      assert.ok(exact.prompt > 0, `the engine answered the chat in full: ${seen}`);
      assert.equal(after.exactPrompt - before.exactPrompt, exact.prompt, `prompt tokens: the engine’s count; ${seen}`);
      assert.equal(after.exactCompletion - before.exactCompletion, exact.generated, `completion tokens: the engine’s count; ${seen}`);
    } finally {
      await config.update('chat.localModel', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});

/** A file in the workspace folder the launcher opened, with `content`. */
async function sampleFile(name: string, content: string): Promise<vscode.TextDocument> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  assert.ok(folder, 'the launcher opens a workspace folder');
  const file = vscode.Uri.joinPath(folder, name);
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(content));
  return vscode.workspace.openTextDocument(file);
}

/**
 * Polls until `done` holds and the ledger's exact (server-counted) tokens since `before` equal
 * what the engine counted for the requests it answered in full since `engineBefore`; returns the
 * last readings either way, with a description for assertion messages.
 */
async function settled(
  host: string,
  model: string,
  engineBefore: number,
  before: LocalCounters,
  done: (now: LocalCounters) => boolean,
): Promise<{ after: LocalCounters; exact: { prompt: number; generated: number }; seen: string }> {
  let after = before;
  let exact = { prompt: 0, generated: 0 };
  let requests: EngineRequest[] = [];
  for (let i = 0; i < POLL_ATTEMPTS; i++) {
    await sleep(POLL_MS);
    requests = (await engineRequests(host)).slice(engineBefore).filter((r) => r.path.startsWith('/api/') || r.path.startsWith('/v1/'));
    const answered = requests.filter((r) => r.status === 200 && !r.aborted && r.promptTokens !== undefined);
    exact = { prompt: answered.reduce((n, r) => n + (r.promptTokens ?? 0), 0), generated: answered.reduce((n, r) => n + (r.generatedTokens ?? 0), 0) };
    after = localCounters(await snapshot(), model);
    if (done(after) && exact.prompt > 0 && after.exactPrompt - before.exactPrompt === exact.prompt && after.exactCompletion - before.exactCompletion === exact.generated) break;
  }
  const engine = requests.map(({ path, status, aborted, promptTokens, generatedTokens }) => ({ path, status, aborted, promptTokens, generatedTokens }));
  return { after, exact, seen: JSON.stringify({ before, after, engine }) };
}
