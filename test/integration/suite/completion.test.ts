import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CompletionEvent } from '../../../src/core/completion/engine';
import type { ContextFile } from '../../../src/core/completion/ports';
import { CompletionController, type CompletionStatusView } from '../../../src/vscode/completion/completionController';
import { COMPLETION_ACCEPTED_COMMAND, TandemInlineCompletionProvider } from '../../../src/vscode/completion/inlineCompletionProvider';
import { Settings } from '../../../src/vscode/settings';
import { LOCAL_HOST_ENV } from './environment';

const EXTENSION_ID = 'tandem-dev.tandem';
const SOURCE = ['export interface Point {', '  x: number;', '  y: number;', '}', '', 'export function distance(a: Point, b: Point): number {', '  const dx = '].join('\n');

/** Bodies of the completion requests (with a prompt) the loopback engine has seen so far. */
async function completionBodies(host: string): Promise<string[]> {
  const response = await fetch(`${host}/__engine/stats`, { signal: AbortSignal.timeout(5_000) });
  const { requests } = (await response.json()) as { requests: { path: string; body: string }[] };
  return requests.filter((r) => r.path === '/api/generate' && !r.body.includes('"prompt":""')).map((r) => r.body);
}

async function completionRequests(host: string): Promise<number> {
  return (await completionBodies(host)).length;
}

/** Records what the status bar would show. */
class RecordedStatus implements CompletionStatusView {
  readonly calls: string[] = [];
  requestStarted(): void {
    this.calls.push('started');
  }
  requestFinished(): void {
    this.calls.push('finished');
  }
  engineAnswered(latencyMs: number): void {
    this.calls.push(`answered ${latencyMs}`);
  }
  engineOnline(): void {
    this.calls.push('online');
  }
  engineFailed(error: unknown): void {
    this.calls.push(`failed ${String(error)}`);
  }
}

const invoke: vscode.InlineCompletionContext = { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined };
const automatic: vscode.InlineCompletionContext = { triggerKind: vscode.InlineCompletionTriggerKind.Automatic, selectedCompletionInfo: undefined };

describe('Inline completions through the provider (real TextDocuments, loopback engine)', function () {
  // Generous: a loaded machine makes the extension host slow; speed is measured by the benchmark.
  this.timeout(120_000);
  const host = process.env[LOCAL_HOST_ENV];
  let controller: CompletionController;
  let provider: TandemInlineCompletionProvider;
  let status: RecordedStatus;
  let log: vscode.LogOutputChannel;
  const excluded: string[] = [];
  const events: CompletionEvent[] = [];
  const timeoutSetting = vscode.workspace.getConfiguration('tandem').inspect<number>('completion.timeoutMs')?.globalValue;

  before(async () => {
    assert.ok(host, `${LOCAL_HOST_ENV} is set by the launcher`);
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    // A loaded CI machine can be slow; the time limit is not what this suite is about.
    await vscode.workspace.getConfiguration('tandem').update('completion.timeoutMs', 30_000, vscode.ConfigurationTarget.Global);
    log = vscode.window.createOutputChannel('Tandem completion test', { log: true });
    status = new RecordedStatus();
    controller = new CompletionController({
      settings: new Settings(),
      status,
      log,
      isAllowedAsContext: (file: ContextFile) => !excluded.some((name) => file.relativePath.endsWith(name)),
      usage: { completionEvent: (event) => events.push(event), trackRetention: () => undefined },
    });
    provider = new TandemInlineCompletionProvider(controller, log);
  });
  after(async () => {
    controller?.dispose();
    log?.dispose();
    await vscode.workspace.getConfiguration('tandem').update('completion.timeoutMs', timeoutSetting, vscode.ConfigurationTarget.Global);
  });
  /** What the engine did, for failure messages. */
  const trace = () => JSON.stringify(events.map((e) => (e.type === 'requestFinished' ? `${e.type} ${e.outcome} ${e.latencyMs} ms ${String(e.error ?? '')}` : e.type)));

  const ask = async (document: vscode.TextDocument, position: vscode.Position, context = invoke) => {
    const cancellation = new vscode.CancellationTokenSource();
    try {
      const items = await provider.provideInlineCompletionItems(document, position, context, cancellation.token);
      return items ?? [];
    } finally {
      cancellation.dispose();
    }
  };

  /**
   * A suggestion shows from its first words while the stream goes on; once the stream has ended,
   * asking again at the same position gives all of it (VS Code is asked to, in an editor).
   */
  const askComplete = async (document: vscode.TextDocument, position: vscode.Position) => {
    await ask(document, position);
    const started = events.findLast((e) => e.type === 'requestStarted');
    assert.ok(started?.type === 'requestStarted', `a request; engine events: ${trace()}`);
    for (let poll = 0; poll < 600 && !events.some((e) => e.type === 'requestFinished' && e.requestId === started.requestId); poll++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return ask(document, position);
  };

  it('returns a suggestion from the local model for a TypeScript document, with the acceptance command', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: SOURCE });
    const position = document.lineAt(document.lineCount - 1).range.end;
    const before = await completionRequests(host!);
    const [item] = await askComplete(document, position);
    assert.ok(item, `a suggestion; engine events: ${trace()}`);
    assert.equal(typeof item.insertText, 'string');
    assert.ok((item.insertText as string).trim().length > 0);
    assert.ok(item.range?.start.isEqual(position));
    assert.equal(item.command?.command, COMPLETION_ACCEPTED_COMMAND);
    assert.equal(await completionRequests(host!), before + 1, 'one model request');
    assert.ok(status.calls.includes('started') && status.calls.includes('finished'), status.calls.join(', '));
    assert.ok(status.calls.some((c) => c.startsWith('answered ')));
  });

  it('typing the start of the shown suggestion shows the rest without a new model request', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: `${SOURCE}b.x - a.x;\n  const dy = ` });
    const position = document.lineAt(document.lineCount - 1).range.end;
    const [shown] = await askComplete(document, position);
    assert.ok(shown, `a suggestion; engine events: ${trace()}`);
    const text = shown.insertText as string;
    const requests = await completionRequests(host!);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, position, text[0]!);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const [rest] = await ask(document, position.translate(0, 1), automatic);
    assert.equal(rest?.insertText, text.slice(1));
    assert.equal(await completionRequests(host!), requests, 'no new model request');
  });

  it('gives no suggestion, and sends nothing, for a file the policy excludes', async () => {
    excluded.push('.env.local');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(folder);
    const file = vscode.Uri.joinPath(folder, '.env.local');
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('API_KEY='));
    const document = await vscode.workspace.openTextDocument(file);
    const before = await completionRequests(host!);
    assert.deepEqual(await ask(document, new vscode.Position(0, 8)), []);
    assert.equal(await completionRequests(host!), before);
  });

  it('handles edge inputs without throwing and with bounded work', async () => {
    const longLine = `const data = [${'1, '.repeat(200_000)}`;
    const huge = `${'export const line = 1;\n'.repeat(10 * 1024 * 1024 / 24)}${longLine}`;
    const big = await vscode.workspace.openTextDocument({ language: 'typescript', content: huge });
    const sent = await completionRequests(host!);
    await ask(big, big.lineAt(big.lineCount - 1).range.end);
    const bodies = await completionBodies(host!);
    assert.equal(bodies.length, sent + 1, 'one request for the 10 MB document');
    assert.ok(bodies.at(-1)!.length < 64_000, `the prompt stays within its budget: ${bodies.at(-1)!.length} characters sent`);
    const binary = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'PK\u0003\u0004\u0000\u0000\u0000binary\u0000' });
    const before = await completionRequests(host!);
    assert.deepEqual(await ask(binary, new vscode.Position(0, 10)), [], 'binary-looking content gets no suggestion');
    assert.equal(await completionRequests(host!), before, 'and costs no request');
    const untitled = await vscode.workspace.openTextDocument({ language: 'python', content: 'def add(a, b):\n    return ' });
    await ask(untitled, new vscode.Position(1, 11));
  });

  it('respects the snooze and the per-language switch for automatic suggestions, not for an explicit request', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: SOURCE });
    const position = document.lineAt(document.lineCount - 1).range.end;
    controller.snooze(5);
    try {
      assert.deepEqual(await ask(document, position, automatic), []);
      assert.ok((await ask(document, position, invoke)).length <= 1);
    } finally {
      controller.snooze(0);
    }
    const enabled = await vscode.commands.executeCommand<boolean>('tandem.toggleCompletionsForLanguage', 'typescript');
    try {
      assert.equal(enabled, false);
      const inspected = vscode.workspace.getConfiguration('tandem', { languageId: 'typescript' }).inspect<boolean>('completion.enabled');
      assert.equal(inspected?.globalLanguageValue, false, 'stored as a language override in user settings');
      assert.deepEqual(await ask(document, position, automatic), []);
    } finally {
      assert.equal(await vscode.commands.executeCommand<boolean>('tandem.toggleCompletionsForLanguage', 'typescript'), true);
    }
  });

  it('a model Ollama does not have: no engine, the status bar says to pull it, and no completion request is sent', async () => {
    const configured = vscode.workspace.getConfiguration('tandem').inspect<string>('completion.model')?.globalValue;
    await vscode.workspace.getConfiguration('tandem').update('completion.model', 'not-installed-coder:1b', vscode.ConfigurationTarget.Global);
    const missingStatus = new RecordedStatus();
    const missing = new CompletionController({ settings: new Settings(), status: missingStatus, log, isAllowedAsContext: () => true });
    try {
      const before = await completionRequests(host!);
      assert.equal(await missing.engine(), undefined);
      assert.ok(missingStatus.calls.some((c) => c.includes('not-installed-coder:1b is not installed') && c.includes('Pull Completion Model')), missingStatus.calls.join(', '));
      assert.equal(await completionRequests(host!), before);
    } finally {
      missing.dispose();
      await vscode.workspace.getConfiguration('tandem').update('completion.model', configured, vscode.ConfigurationTarget.Global);
    }
  });

  it('snoozes the extension\'s completions through the command', async () => {
    const until = await vscode.commands.executeCommand<number>('tandem.snoozeCompletions', 15);
    assert.ok(until > Date.now() + 14 * 60_000 && until <= Date.now() + 15 * 60_000);
    assert.equal(await vscode.commands.executeCommand<number>('tandem.snoozeCompletions', 0), 0);
  });
});
