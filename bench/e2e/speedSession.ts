// One measured session of the e2e speed benchmark: a fresh code-server with one extension installed,
// a Chromium page, the files of one mode typed one after another with the planned rhythm, and
// everything the benchmark needs recorded. Always tears down the browser and the server.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import type { Engine, RequestLogEntry } from '../../test/engine/server';
import { closeBrowser, CodeServer, installExtension, launchChromium, RunFolder, Workbench } from '../../test/e2e/harness';
import type { GhostRecord, ObservedRequest, SegmentObservation } from './metrics';
import { PageProbe } from './pageProbe';
import { REQUEST_ID_HEADER, type RecordingProxy } from './recordingProxy';
import type { TypingPlan } from './typingPlan';

/** An extension under test: how to install it and how to know it is ready. */
export interface BenchExtension {
  readonly id: string;
  readonly label: string;
  /** Copies the extension into a code-server extensions folder. */
  install(repoRoot: string, extensionsDir: string): void;
  /** User settings that point it at `host`. */
  settings(host: string): Record<string, unknown>;
  /** DOM id of a status-bar item it shows once activated. */
  readonly statusItemId: string;
}

export type Mode = 'new-file' | 'suffix';

/** One file to type in a session: where it lives in the workspace, what it holds first, and the plan. */
export interface SessionFile {
  readonly relativePath: string;
  readonly initialContent: string;
  readonly plan: TypingPlan;
  /** The file as saved after typing, up to trailing blanks on each line. */
  readonly expectedContent: string;
}

export interface SegmentReport extends SegmentObservation {
  readonly file: string;
  /** Whether the saved file holds exactly what was meant to be typed (auto-indent or a stray accept would break it). */
  readonly typedAsPlanned: boolean;
  readonly firstDifference?: { line: number; expected: string; actual: string };
}

export interface SessionResult {
  readonly segments: SegmentReport[];
  readonly ghosts: GhostRecord[];
  readonly requests: ObservedRequest[];
  readonly clockOffsetMs: number;
  readonly startupMs: number;
}

const ACTIVATION_TIMEOUT_MS = 60_000;
const QUIET_WAIT_MS = 15_000;
const DRAIN_WAIT_MS = 3_000;
const SETTLE_WAIT_MS = 10_000;
const POLL_MS = 50;
/** Time allowed beyond the typing plans themselves (startup, opening files, saving). */
const SESSION_OVERHEAD_MS = 180_000;

/** Editor settings that make typed text land exactly as planned and keep other popups out of the way. */
const EDITOR_SETTINGS: Record<string, unknown> = {
  'editor.inlineSuggest.enabled': true,
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'editor.wordBasedSuggestions': 'off',
  'editor.parameterHints.enabled': false,
  'editor.hover.enabled': false,
  'editor.acceptSuggestionOnEnter': 'off',
  // Enter keeps the previous line's indentation; the plan types the difference.
  'editor.autoIndent': 'keep',
  'editor.useTabStops': false,
  'editor.trimAutoWhitespace': true,
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoClosingComments': 'never',
  'editor.autoSurround': 'never',
  'editor.formatOnType': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
};

function firstDifferenceOf(expected: string, actual: string): SegmentReport['firstDifference'] {
  const trim = (text: string): string[] => text.split('\n').map((line) => line.trimEnd());
  const [want, got] = [trim(expected), trim(actual)];
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) return { line: i + 1, expected: want[i] ?? '<end of file>', actual: got[i] ?? '<end of file>' };
  }
  return undefined;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(POLL_MS)) {
    if (condition()) return true;
  }
  return condition();
}

/** Engine requests joined with the proxy's copy of their answers. */
function observedRequests(entries: RequestLogEntry[], proxy: RecordingProxy): ObservedRequest[] {
  const answers = new Map(proxy.recorded().map((a) => [String(a.id), a]));
  return entries.map((entry) => {
    const answer = answers.get(String(entry.headers[REQUEST_ID_HEADER] ?? ''));
    return {
      id: entry.id,
      path: entry.path,
      arrivedAt: entry.arrivedAt,
      generatedTokens: entry.generatedTokens ?? 0,
      promptTokens: entry.promptTokens ?? 0,
      reusedTokens: entry.reusedTokens ?? 0,
      aborted: entry.aborted === true,
      ...(entry.stoppedAt !== undefined ? { stoppedAt: entry.stoppedAt } : {}),
      ...(answer?.firstTextAt !== undefined ? { firstTextAt: answer.firstTextAt } : {}),
      answer: answer?.text ?? '',
    };
  });
}

export interface SpeedSessionOptions {
  readonly repoRoot: string;
  readonly extension: BenchExtension;
  readonly files: readonly SessionFile[];
  readonly engine: Engine;
  readonly proxy: RecordingProxy;
  readonly log: (message: string) => void;
}

export async function runSession(options: SpeedSessionOptions): Promise<SessionResult> {
  const { extension, files, engine, proxy, log } = options;
  const run = new RunFolder(`tandem-bench-${extension.id}-`);
  const workspace = run.dir('workspace');
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(workspace, file.relativePath)), { recursive: true });
    fs.writeFileSync(path.join(workspace, file.relativePath), file.initialContent);
  }
  extension.install(options.repoRoot, run.dir('extensions'));

  const planMs = files.reduce((sum, f) => sum + f.plan.keystrokes.reduce((s, k) => s + k.delayMs, f.plan.trailingPauseMs), 0);
  // Under load key dispatch slows typing down (pauses are never shortened): allow twice the plan.
  const sessionLimitMs = 2 * planMs + SESSION_OVERHEAD_MS;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let timedOut = false;
  // The whole session is bounded: on time-out the browser closes, which fails whatever is pending.
  const watchdog = setTimeout(() => {
    timedOut = true;
    if (browser) void closeBrowser(browser);
  }, sessionLimitMs);
  let failed = true;
  try {
    const started = Date.now();
    server = await CodeServer.start({ run, workspace, settings: { ...EDITOR_SETTINGS, ...extension.settings(proxy.url) } });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleLog = fs.createWriteStream(run.file('browser-console.log'));
    page.on('console', (message) => consoleLog.write(`[${message.type()}] ${message.text()}\n`));
    page.on('close', () => consoleLog.end());
    const workbench = new Workbench(page);
    await workbench.open(server, workspace);
    await workbench.statusItem(extension.statusItemId).waitFor({ timeout: ACTIVATION_TIMEOUT_MS });
    // Let activation work (model warm-up, format detection) finish before anything is measured.
    await sleep(1_000);
    await waitUntil(() => proxy.inFlight === 0, QUIET_WAIT_MS);
    const startupMs = Date.now() - started;
    log(`${extension.label}: activated in ${(startupMs / 1000).toFixed(1)} s`);
    const probe = await PageProbe.install(page);
    engine.clearLog();

    const segments: SegmentReport[] = [];
    for (const file of files) {
      await workbench.openFile(file.relativePath);
      await workbench.activeEditor().locator('.view-lines').click();
      await page.keyboard.press('Control+Home');
      await sleep(500);
      await waitUntil(() => proxy.inFlight === 0, DRAIN_WAIT_MS);
      await probe.alignClocks();
      await probe.recordKeys(true);
      // Key gaps count from the previous key's dispatch, so a slow dispatch does not stretch the
      // rhythm; a pause counts from when its Enter went through, so catching up never shortens it.
      let previousAt = Date.now();
      let previousKey = '';
      for (const keystroke of file.plan.keystrokes) {
        const wait = previousKey === 'Enter' ? keystroke.delayMs : previousAt + keystroke.delayMs - Date.now();
        if (wait > 0) await sleep(wait);
        previousAt = Date.now();
        previousKey = keystroke.key;
        if (keystroke.key.length === 1) await page.keyboard.type(keystroke.key);
        else await page.keyboard.press(keystroke.key);
      }
      await sleep(file.plan.trailingPauseMs);
      const endAt = await probe.now();
      await probe.recordKeys(false);
      const { keys } = await probe.take();
      await workbench.save();
      const saved = fs.readFileSync(path.join(workspace, file.relativePath), 'utf8');
      const firstDifference = firstDifferenceOf(file.expectedContent, saved);
      const startAt = keys[0]?.at ?? endAt;
      segments.push({ file: file.relativePath, startAt, endAt, keys, typedAsPlanned: firstDifference === undefined, ...(firstDifference ? { firstDifference } : {}) });
      log(`${extension.label}: typed ${keys.length} keys into ${file.relativePath} in ${((endAt - startAt) / 1000).toFixed(1)} s${firstDifference ? ` (differs from plan at line ${firstDifference.line})` : ''}`);
    }
    const { ghosts } = await probe.take();
    const clockOffsetMs = probe.clockOffsetMs;
    await closeBrowser(browser);
    browser = undefined;
    await server.stop();
    server = undefined;
    // Hung-up requests are logged once the engine has released the model for them.
    await waitUntil(() => engine.requests().every((r) => r.serverMs !== undefined) && proxy.inFlight === 0, SETTLE_WAIT_MS);
    failed = false;
    return { segments, ghosts, requests: observedRequests(engine.requests(), proxy), clockOffsetMs, startupMs };
  } catch (error) {
    if (timedOut) throw new Error(`${extension.label}: session exceeded ${Math.round(sessionLimitMs / 1000)} s`, { cause: error });
    throw error;
  } finally {
    clearTimeout(watchdog);
    if (browser) await closeBrowser(browser);
    if (server) await server.stop();
    if (failed) log(`run folder kept for debugging: ${run.root}`);
    else run.remove();
  }
}

/** Tandem as built, optionally with extra user settings (e.g. to measure a tuning before changing a default). */
export function tandemExtension(extraSettings: Record<string, unknown> = {}): BenchExtension {
  const tuned = Object.keys(extraSettings).length > 0;
  return {
    id: 'tandem',
    label: tuned ? `Tandem (${JSON.stringify(extraSettings)})` : 'Tandem',
    install: (repoRoot, extensionsDir) => void installExtension(repoRoot, extensionsDir),
    settings: (host) => ({ ...extraSettings, 'tandem.local.host': host }),
    statusItemId: 'tandem-dev.tandem.tandem.status',
  };
}

const BASELINE_DIR = path.join('test', 'e2e', 'fixtures', 'keystroke-baseline');

/** The fixture extension: one non-streamed, never-cancelled request per provider call. */
export function keystrokeBaseline(maxTokens: number): BenchExtension {
  return {
    id: 'baseline',
    label: 'one request per keystroke',
    install: (repoRoot, extensionsDir) => {
      const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, BASELINE_DIR, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
      fs.cpSync(path.join(repoRoot, BASELINE_DIR), path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), { recursive: true });
    },
    settings: (host) => ({ 'keystrokeBaseline.host': host, 'keystrokeBaseline.maxTokens': maxTokens }),
    statusItemId: 'tandem-bench.keystroke-baseline.keystrokeBaseline.status',
  };
}
