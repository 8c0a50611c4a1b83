import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import { LOCAL_HOST_ENV } from './environment';

const EXTENSION_ID = 'tandem-dev.tandem';
const CLOUD_PATH = '/v1/chat/completions';
const LOCAL_PATH = '/api/chat';
const POLL_MS = 100;
const POLL_ATTEMPTS = 300;

/** The fields of the engine's request log this suite reads. */
interface EngineRequest {
  path: string;
  body: string;
  status?: number;
  serverMs?: number;
}

/** What `tandem.refactorSelection` resolves with (the proposal shown in the diff). */
interface ProposalResult {
  id: string;
  replacement: string;
  proposedUri: vscode.Uri;
}

async function engineRequests(host: string): Promise<EngineRequest[]> {
  const response = await fetch(`${host}/__engine/stats`, { signal: AbortSignal.timeout(5_000) });
  return ((await response.json()) as { requests: EngineRequest[] }).requests;
}

/** Updates a user setting and waits until the extension has heard of it (its listeners run first). */
async function setUserSetting(key: string, value: unknown): Promise<void> {
  const heard = new Promise<void>((resolve) => {
    const listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(`tandem.${key}`)) return;
      listener.dispose();
      resolve();
    });
  });
  await vscode.workspace.getConfiguration('tandem').update(key, value, vscode.ConfigurationTarget.Global);
  await Promise.race([heard, sleep(5_000)]);
}

/** A workspace file with `content`, open in the active editor, with lines [from, to] selected. */
async function editorWithSelection(name: string, content: string, from: number, to: number): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  assert.ok(folder, 'the launcher opens a workspace folder');
  const file = vscode.Uri.joinPath(folder, name);
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(content));
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file), { preview: false });
  editor.selection = new vscode.Selection(from, 0, to, editor.document.lineAt(to).text.length);
  return editor;
}

const marker = (): string => `marker_${Math.random().toString(36).slice(2, 10)}`;

const sample = (id: string): string =>
  [`export function ${id}(values: number[]): number {`, '  let total = 0;', '  for (const v of values) total += v;', '  return total;', '}', ''].join('\n');

describe('Chat and refactor commands in the extension host (loopback engine)', function () {
  this.timeout(90_000);
  let host: string;

  before(async function () {
    const fromLauncher = process.env[LOCAL_HOST_ENV];
    if (!fromLauncher) this.skip();
    host = fromLauncher;
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    // The engine's OpenAI-compatible API plays the cloud (http on loopback is allowed by the launcher's env).
    await setUserSetting('cloud.baseUrl', `${host}/v1`);
    await setUserSetting('cloud.allowedHosts', ['127.0.0.1']);
    await setUserSetting('egress.preview', 'never');
    assert.equal(await vscode.commands.executeCommand('tandem.setCloudApiKey', { baseUrl: `${host}/v1`, key: 'sk-loopback-test' }), true);
  });

  after(async () => {
    if (!host) return;
    await vscode.commands.executeCommand('tandem.clearCloudApiKey', { baseUrl: `${host}/v1` });
    for (const key of ['mode', 'cloud.baseUrl', 'cloud.allowedHosts', 'egress.preview']) await setUserSetting(key, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Refactor Selection (hybrid): the cloud proposes through the gate; Apply is one edit and one undo restores the original', async () => {
    await setUserSetting('mode', undefined);
    const id = marker();
    const original = sample(id);
    const editor = await editorWithSelection('refactor-apply.ts', original, 0, 4);
    const document = editor.document;
    const seen = (await engineRequests(host)).length;

    const proposal = await vscode.commands.executeCommand<ProposalResult | undefined>('tandem.refactorSelection', { instruction: 'use reduce' });
    assert.ok(proposal, 'no proposal was made');
    const sent = (await engineRequests(host)).slice(seen);
    assert.equal(sent.filter((r) => r.path === CLOUD_PATH && r.body.includes(id)).length, 1, 'the selection went to the cloud endpoint once');
    assert.equal(sent.filter((r) => r.path === LOCAL_PATH).length, 0);

    // The diff's right side is the whole file with the selected lines replaced.
    const selectedLines = new vscode.Range(0, 0, 4, document.lineAt(4).text.length);
    const expected = original.slice(0, document.offsetAt(selectedLines.start)) + proposal.replacement + original.slice(document.offsetAt(selectedLines.end));
    assert.equal((await vscode.workspace.openTextDocument(proposal.proposedUri)).getText(), expected);
    assert.notEqual(expected, original, 'the proposal changes nothing, so Apply could not be told from a no-op');

    assert.equal(await vscode.commands.executeCommand('tandem.applyProposal', proposal.id), true);
    assert.equal(document.getText(), expected);
    assert.equal(vscode.window.activeTextEditor?.document, document, 'the edited file is active again after Apply');
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), original, 'one undo restores the original');
    assert.equal(await vscode.commands.executeCommand('tandem.applyProposal', proposal.id), false, 'a proposal applies once');
  });

  it('Refactor Selection: an edit between proposal and Apply makes Apply refuse and keeps the newer text', async () => {
    const original = sample(marker());
    const { document } = await editorWithSelection('refactor-concurrent.ts', original, 0, 4);
    const proposal = await vscode.commands.executeCommand<ProposalResult | undefined>('tandem.refactorSelection', { instruction: 'use reduce' });
    assert.ok(proposal, 'no proposal was made');
    // The user types elsewhere in the file while the diff is open.
    const typing = new vscode.WorkspaceEdit();
    typing.insert(document.uri, new vscode.Position(0, 0), '// typed while the proposal was open\n');
    assert.equal(await vscode.workspace.applyEdit(typing), true);
    const newer = document.getText();

    assert.equal(await vscode.commands.executeCommand('tandem.applyProposal', proposal.id), false);
    assert.equal(document.getText(), newer, 'the document is unchanged by the refused Apply');
    assert.ok(!newer.includes(proposal.replacement));
  });

  it('Write Tests for Selection (local-only): the local model writes them into a new untitled editor', async () => {
    await setUserSetting('mode', 'local-only');
    const id = marker();
    await editorWithSelection('write-tests.ts', sample(id), 0, 4);
    const seen = (await engineRequests(host)).length;

    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('tandem.writeTests');
    assert.ok(uri, 'no test document was opened');
    assert.equal(uri.scheme, 'untitled');
    const tests = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    assert.ok(tests, 'the untitled document is open');
    assert.equal(tests.languageId, 'typescript');
    assert.ok(tests.getText().trim().length > 0, 'the test document is empty');
    assert.ok(vscode.window.visibleTextEditors.some((e) => e.document === tests), 'the test document is shown');

    const sent = (await engineRequests(host)).slice(seen);
    assert.equal(sent.filter((r) => r.path === LOCAL_PATH && r.body.includes(id)).length, 1);
    assert.equal(sent.filter((r) => r.path.startsWith('/v1/')).length, 0, 'local-only: nothing reached the cloud endpoint');
  });

  it('chat (Explain Selection) in local-only mode: the panel’s request is answered by the local model; zero /v1 requests', async () => {
    await setUserSetting('mode', 'local-only');
    const id = marker();
    await editorWithSelection('explain.ts', sample(id), 0, 4);
    const seen = (await engineRequests(host)).length;

    await vscode.commands.executeCommand('tandem.explainSelection');
    let answered: EngineRequest | undefined;
    for (let i = 0; i < POLL_ATTEMPTS && !answered; i++) {
      answered = (await engineRequests(host)).slice(seen).find((r) => r.path === LOCAL_PATH && r.body.includes(id) && r.serverMs !== undefined);
      if (!answered) await sleep(POLL_MS);
    }
    assert.ok(answered, 'the local model never answered the chat request');
    assert.equal(answered.status, 200);
    assert.ok(answered.body.includes('Explain what the code shown does'), 'the explain prompt was sent');
    const sent = (await engineRequests(host)).slice(seen);
    assert.equal(sent.filter((r) => r.path.startsWith('/v1/')).length, 0, 'local-only: nothing reached the cloud endpoint');
  });

  it('Fix This (local-only): the problem at the cursor is sent with the code around it, and the fix is proposed as a diff', async () => {
    await setUserSetting('mode', 'local-only');
    const id = marker();
    const editor = await editorWithSelection('fix-this.ts', sample(id), 2, 2);
    editor.selection = new vscode.Selection(2, 4, 2, 4);
    const problems = vscode.languages.createDiagnosticCollection('tandem-test');
    const message = `Cannot find name '${id}_missing'.`;
    problems.set(editor.document.uri, [new vscode.Diagnostic(new vscode.Range(2, 2, 2, 7), message, vscode.DiagnosticSeverity.Error)]);
    try {
      const seen = (await engineRequests(host)).length;
      const proposal = await vscode.commands.executeCommand<ProposalResult | undefined>('tandem.fixThis');
      assert.ok(proposal, 'no fix was proposed');
      const sent = (await engineRequests(host)).slice(seen).filter((r) => r.path === LOCAL_PATH);
      assert.equal(sent.length, 1);
      assert.ok(sent[0]!.body.includes(message), 'the diagnostic text was sent');
      assert.ok(sent[0]!.body.includes(`export function ${id}`), 'the lines around the problem were sent');
      assert.equal(await vscode.commands.executeCommand('tandem.discardProposal', proposal.id), true);
    } finally {
      problems.dispose();
    }
  });

  it('every selection command says what is missing instead of failing when the selection is empty', async () => {
    const editor = await editorWithSelection('empty-selection.ts', sample(marker()), 0, 0);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const seen = (await engineRequests(host)).length;
    for (const command of ['tandem.refactorSelection', 'tandem.writeTests', 'tandem.explainSelection', 'tandem.askAboutSelection']) {
      assert.equal(await vscode.commands.executeCommand(command, { instruction: 'x' }), undefined, command);
    }
    assert.equal(await vscode.commands.executeCommand('tandem.fixThis'), undefined, 'no problems at the cursor');
    assert.equal((await engineRequests(host)).length, seen, 'nothing was sent');
  });
});
