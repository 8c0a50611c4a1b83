// What a person sees with the completion engine in real VS Code (code-server + Chromium): typing in
// a TypeScript file, ghost text from the loopback llama.cpp engine, typing its first characters
// (it stays, and the engine gets no new request), Tab for the rest, save; Escape on a suggestion
// the model is still writing stops it for good; the status bar says the engine answers, and the
// palette reaches Tandem's commands.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEngine, type Engine, type RequestLogEntry } from '../engine/server';
import { waitFor } from '../engine/test-support';
import { withWorkbench } from './harness';

const STATUS_ITEM = 'tandem-dev.tandem.tandem.status';
const FILE = 'src/geometry.ts';
/** The file is PREFIX + SUFFIX; typing starts between them, on the empty line 6. */
const PREFIX = 'export interface Point {\n  x: number;\n  y: number;\n}\n\n';
const SUFFIX = '\nexport const origin: Point = { x: 0, y: 0 };\n';
const CURSOR_LINE = 6;
const TYPED = 'export function norm(p: Point): number { return ';
/** Characters of the ghost text typed by hand before Tab. */
const TYPED_THROUGH = 2;

/** A completion request (with a prompt; the warm-up has none). */
function isCompletionRequest(entry: RequestLogEntry): boolean {
  return entry.path === '/api/generate' && entry.body !== '' && !entry.body.includes('"prompt":""');
}

/** Completion requests the engine has received. */
function completionRequests(engine: Engine): number {
  return engine.requests().filter(isCompletionRequest).length;
}

/** Same text up to whitespace: the editor renders tabs and spaces its own way. */
function squeezed(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

async function fileContentOnce(file: string, accept: (content: string) => boolean): Promise<string> {
  let content = fs.readFileSync(file, 'utf8');
  for (let attempt = 0; attempt < 50 && !accept(content); attempt++) {
    await sleep(100);
    content = fs.readFileSync(file, 'utf8');
  }
  return content;
}

let engine: Engine;
let started: number;
const lap = (step: string) => console.log(`[e2e] ${((Date.now() - started) / 1000).toFixed(1)}s ${step}`);

before(async () => {
  started = Date.now();
  engine = await startEngine();
});

after(() => engine?.stop());

test('ghost text from the completion engine stays while its first characters are typed (no new request), and Tab accepts the rest', { timeout: 240_000 }, async (t) => {
  await withWorkbench(
    {
      files: { [FILE]: PREFIX + SUFFIX },
      settings: {
        'tandem.local.host': engine.url,
        'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
        'editor.suggestOnTriggerCharacters': false,
        'editor.autoClosingBrackets': 'never',
      },
      signal: t.signal,
    },
    async ({ workbench, workspace }) => {
      await workbench.statusItem(STATUS_ITEM).waitFor();
      await workbench.openFile(FILE);
      await workbench.goToLine(CURSOR_LINE);
      lap('file open');
      await workbench.type(TYPED);
      const ghost = await workbench.ghostText(60_000);
      lap(`ghost text shown: ${JSON.stringify(ghost)}`);
      console.log(`[e2e] ghost text screenshot: ${await workbench.screenshot(path.join(os.tmpdir(), `tandem-e2e-ghost-text-${Date.now()}.png`))}`);
      const bodies = engine.requests().filter((entry) => entry.path === '/api/generate').map((entry) => entry.body);
      assert.ok(bodies.some((body) => body.includes(JSON.stringify(TYPED).slice(1, -1))), 'the engine received the typed text in a completion request');
      // Let the last request settle, so any request counted after this point is a new one.
      await sleep(1500);
      const settled = await workbench.ghostText();
      assert.ok(settled.trim().length > TYPED_THROUGH && settled.startsWith(ghost.trimEnd()), `first ${JSON.stringify(ghost)}, then ${JSON.stringify(settled)}`);
      const requests = completionRequests(engine);

      const typedThrough = settled.slice(0, TYPED_THROUGH);
      await workbench.type(typedThrough);
      await sleep(1500);
      const rest = await workbench.ghostText(5_000);
      lap(`typed ${JSON.stringify(typedThrough)}; ghost text now ${JSON.stringify(rest)}`);
      assert.equal(squeezed(rest), squeezed(settled.slice(TYPED_THROUGH)), 'the rest of the suggestion stays');
      assert.equal(completionRequests(engine), requests, 'typing through the suggestion made no engine request');

      await workbench.acceptGhostText();
      await workbench.save();
      const expected = squeezed(PREFIX + TYPED + settled + SUFFIX);
      const saved = await fileContentOnce(path.join(workspace, FILE), (content) => squeezed(content) === expected);
      lap('accepted and saved');
      assert.equal(squeezed(saved), expected);

      // A suggestion shows with its first words while the model writes on. Here the engine goes
      // quiet after a few tokens (the stream stays open, as a slow model's would, until Tandem's
      // 5 s request limit): Escape must stop the stream at once and keep the suggestion hidden.
      await workbench.press('End');
      // Accepting starts a request at the end of the line (after VS Code's and Tandem's debounce):
      // the fault is for the one after it.
      await sleep(1500);
      const open = () => engine.requests().filter((entry) => isCompletionRequest(entry) && entry.stoppedAt === undefined && !entry.aborted);
      await waitFor(() => open().length === 0 || undefined, 15_000, 'open completion requests to end');
      engine.setFaults([{ fault: { kind: 'stall', afterChunks: 12 }, path: '/api/generate', times: 1 }]);
      await workbench.press('Enter');
      const growing = await waitFor(() => engine.requests().find((entry) => entry.fault === 'stall' && entry.stoppedAt !== undefined), 30_000, 'the stream to go quiet');
      await workbench.ghostText(15_000);
      assert.ok(!engine.requests().find((entry) => entry.id === growing.id)?.aborted, 'the stream is still open while its suggestion shows');
      const escapedAt = Date.now();
      await workbench.press('Escape');
      const stopped = await waitFor(() => engine.requests().find((entry) => entry.id === growing.id && entry.aborted), 10_000, 'the client to close the stream');
      engine.setFaults([]);
      const stoppedAfter = stopped.abortedAt! - escapedAt;
      lap(`escaped a growing suggestion; the client closed its stream ${stoppedAfter} ms later`);
      assert.ok(stoppedAfter >= 0 && stoppedAfter < 1000, `closed ${stoppedAfter} ms after Escape`);
      // Hidden, and still hidden a moment later (nothing asks VS Code to show it again).
      let visible = true;
      for (let poll = 0; poll < 20 && visible; poll++) {
        visible = await workbench.ghostTextVisible();
        if (visible) await sleep(100);
      }
      assert.equal(visible, false, 'Escape hid the suggestion');
      await sleep(1500);
      assert.equal(await workbench.ghostTextVisible(), false, 'the dismissed suggestion stays hidden');

      // The status bar says the engine answers: no warning icon, and the tooltip names the host.
      assert.equal(await workbench.statusItem(STATUS_ITEM).locator('.codicon-warning').count(), 0);
      const tooltip = await workbench.statusTooltip(STATUS_ITEM, 'reachable');
      assert.ok(tooltip.includes(engine.url) && tooltip.includes('reachable'), tooltip);
      await workbench.runCommand('Tandem: Check Local Engine');
      await workbench.waitForNotification('the local engine answers');
      await workbench.runCommand('Tandem: Toggle Local-Only Mode for This Workspace');
      await workbench.waitForStatusText(STATUS_ITEM, 'Local');
      lap('status bar and palette commands checked');
    },
  );
});
