// Real VS Code for tests: code-server 4.100.3 (VS Code 1.100.3 server and web workbench) with a
// throwaway profile, driven through playwright-core and Debian's Chromium. Used by the e2e
// scenarios and by the code-server launcher of the extension-host suites.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const BROWSER_CLOSE_TIMEOUT_MS = 5_000;

/** Settings that keep a fresh workbench quiet and deterministic; tests add their own on top. */
const QUIET_USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'editor.inlineSuggest.enabled': true,
};

/**
 * Writes `<user-data-dir>/User/settings.json`: the quiet defaults plus `settings`. Tandem's
 * endpoint and model settings are application-scoped, so user settings are where they must go.
 */
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown> = {}): void {
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_USER_SETTINGS, ...settings }, null, 2));
}

/** Thrown when code-server does not answer `/healthz` in time. */
export class CodeServerStartError extends Error {
  constructor(readonly logPath: string) {
    super(`code-server did not become ready within ${READY_TIMEOUT_MS} ms; see ${logPath}`);
    this.name = 'CodeServerStartError';
  }
}

/** The repository root: the nearest folder above `from` whose package.json is Tandem's. */
export function findRepoRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && readManifest(dir).name === 'tandem') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Tandem package.json above ${from}`);
  }
}

interface ExtensionManifest {
  name: string;
  publisher: string;
  version: string;
}

function readManifest(dir: string): ExtensionManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as ExtensionManifest;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * "Installs" the built extension the way VS Code lays out an installed one: the files a .vsix
 * would carry, copied to `<extensions-dir>/<publisher>.<name>-<version>/`.
 */
export function installExtension(repoRoot: string, extensionsDir: string): string {
  const manifest = readManifest(repoRoot);
  const target = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  const bundle = path.join(repoRoot, 'dist', 'extension.js');
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: build it with \`node esbuild.js\``);
  fs.mkdirSync(target, { recursive: true });
  for (const entry of ['package.json', 'dist', 'media', 'README.md', 'LICENSE']) {
    const source = path.join(repoRoot, entry);
    if (fs.existsSync(source)) fs.cpSync(source, path.join(target, entry), { recursive: true });
  }
  return target;
}

/**
 * Proportional memory (PSS, falling back to RSS) of a process and all its descendants, in MB.
 * Asynchronous and limited to the tree itself (via /proc/<pid>/task/<tid>/children), because it
 * runs in the same process as the loopback engine: blocking reads of all of /proc stalled its
 * token stream for hundreds of milliseconds.
 */
export async function processTreeMemoryMB(rootPid: number): Promise<number> {
  const read = (file: string): Promise<string | undefined> => fs.promises.readFile(file, 'utf8').catch(() => undefined);
  let totalKb = 0;
  for (const stack = [rootPid]; stack.length > 0; ) {
    const pid = stack.pop() as number;
    const memory = (await read(`/proc/${pid}/smaps_rollup`)) ?? (await read(`/proc/${pid}/status`)) ?? '';
    totalKb += Number((/Pss:\s+(\d+)/.exec(memory) ?? /VmRSS:\s+(\d+)/.exec(memory))?.[1] ?? 0);
    const tasks = await fs.promises.readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    for (const tid of tasks) {
      const children = await read(`/proc/${pid}/task/${tid}/children`);
      if (children) stack.push(...children.trim().split(/\s+/).filter(Boolean).map(Number));
    }
  }
  return Math.round(totalKb / 1024);
}

/** Samples the memory of this process tree (test runner, code-server, Chromium) and keeps the peak. */
export class PeakMemorySampler {
  private peak = 0;
  private sampling = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly rootPid: number = process.pid, intervalMs = 1_000) {
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  /** Stops sampling and returns the peak seen so far, in MB. */
  stop(): number {
    clearInterval(this.timer);
    return this.peak;
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      this.peak = Math.max(this.peak, await processTreeMemoryMB(this.rootPid));
    } finally {
      this.sampling = false;
    }
  }
}

/** Throwaway folders for one run; kept (and printed) when the run fails, removed otherwise. */
export class RunFolder {
  readonly root: string;

  constructor(prefix = 'tandem-vscode-') {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  /** A sub-folder, created on first use. */
  dir(name: string): string {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  file(name: string): string {
    return path.join(this.root, name);
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export interface CodeServerOptions {
  run: RunFolder;
  /** Folder opened by the workbench. */
  workspace: string;
  /** User settings (`<user-data-dir>/User/settings.json`), merged over the quiet defaults. */
  settings?: Record<string, unknown>;
  /** Copy the built extension into the extensions folder (off when it is loaded as a development extension). */
  installExtension?: boolean;
  /** Extra environment for code-server and therefore for the extension host. */
  env?: Record<string, string>;
}

/** One code-server process group on 127.0.0.1 with its own user-data, extensions, HOME, TMPDIR and XDG folders. */
export class CodeServer {
  private readonly killOnExit = (): void => this.killGroup('SIGKILL');

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logPath: string,
  ) {
    // Backstop for a test process that exits without stopping us: never leave a server behind.
    process.on('exit', this.killOnExit);
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const { run } = options;
    const repoRoot = findRepoRoot();
    const userData = run.dir('user-data');
    const extensions = run.dir('extensions');
    writeUserSettings(userData, options.settings);
    if (options.installExtension) installExtension(repoRoot, extensions);
    const config = run.file('code-server.yaml');
    fs.writeFileSync(config, 'auth: none\ncert: false\n');

    const port = await freePort();
    const logPath = run.file('code-server.log');
    const log = fs.openSync(logPath, 'w');
    const args = [
      '--config', config,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      options.workspace,
    ];
    const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'code-server'), args, {
      // Own process group, so one kill(-pid) also ends the extension host, file watcher and pty host.
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...inheritedEnv(), ...isolatedEnvironment(run), ...options.env },
    });
    fs.closeSync(log);
    const server = new CodeServer(child, port, logPath);
    try {
      await server.waitUntilHealthy();
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A path on this machine as the workbench addresses it (remote authority = the page's host:port). */
  remoteUri(absolutePath: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${absolutePath}`;
  }

  /** SIGTERM to the group, a short grace period, then SIGKILL for stragglers. */
  async stop(): Promise<void> {
    process.off('exit', this.killOnExit);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.killGroup('SIGTERM');
      await settleWithin(exited, STOP_GRACE_MS);
    }
    // The group outlives its leader when children ignore SIGTERM (file watcher, pty host).
    this.killGroup('SIGKILL');
  }

  private async waitUntilHealthy(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      try {
        if ((await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new CodeServerStartError(this.logPath);
  }

  private killGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // the group is already gone
    }
  }
}

/** The test process's environment minus variables that would tie code-server to an outer VS Code. */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VSCODE_')));
}

/** Throwaway HOME, TMPDIR and XDG folders, and no extension gallery (it would look up open-vsx.org). */
function isolatedEnvironment(run: RunFolder): Record<string, string> {
  return {
    EXTENSIONS_GALLERY: '{}',
    HOME: run.dir('home'),
    TMPDIR: run.dir('tmp'),
    XDG_CONFIG_HOME: run.dir('xdg-config'),
    XDG_DATA_HOME: run.dir('xdg-data'),
    XDG_CACHE_HOME: run.dir('xdg-cache'),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
}

/** Closes the browser without waiting forever; playwright kills a hung Chromium when the process exits. */
export async function closeBrowser(browser: Browser): Promise<void> {
  await settleWithin(browser.close(), BROWSER_CLOSE_TIMEOUT_MS);
}

export const TIMED_OUT = Symbol('timed out');

/** The value of `promise`, or TIMED_OUT after `ms`; the timer is cleared either way. */
export async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, TIMED_OUT, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

/** Waits for `promise` to settle, ignoring its outcome, or `ms`, whichever comes first. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  await raceTimeout(promise.catch(() => undefined), ms);
}

/** Spaces in the editor DOM come back as U+00A0. */
export function editorText(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

/** The web workbench in one page, with the handful of gestures the tests use. */
export class Workbench {
  constructor(readonly page: Page) {}

  /** Loads the workbench for `folder`, optionally with a URL payload (development extension, tests path). */
  async open(server: CodeServer, folder: string, payload?: [string, string][]): Promise<void> {
    const query = new URLSearchParams({ folder });
    if (payload) query.set('payload', JSON.stringify(payload));
    await this.page.goto(`${server.url}/?${query.toString()}`);
    await this.page.locator('.monaco-workbench').waitFor();
  }

  /** Opens a workspace file through Quick Open and waits for its editor. */
  async openFile(relativePath: string): Promise<Locator> {
    await this.page.keyboard.press('Control+P');
    await this.page.locator('.quick-input-widget input').fill(relativePath);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(relativePath) }).first().waitFor();
    await this.page.keyboard.press('Enter');
    const tab = this.page.locator('.tabs-container .tab.active', { hasText: path.basename(relativePath) });
    await tab.waitFor();
    return this.activeEditor();
  }

  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
  }

  /** Puts the cursor at the start of a 1-based line with Go to Line. */
  async goToLine(line: number): Promise<void> {
    await this.activeEditor().locator('.view-lines').click();
    await this.page.keyboard.press('Control+G');
    await this.page.locator('.quick-input-widget input').fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Types like a person, one key at a time. */
  async type(text: string): Promise<void> {
    await this.page.keyboard.type(text, { delay: 30 });
  }

  /**
   * The ghost text in the active editor once it appears: the part shown inline on the cursor's
   * line (one span per syntax token) joined with the lines shown below it in a view zone.
   */
  async ghostText(timeoutMs = 15_000): Promise<string> {
    const editor = this.activeEditor();
    await editor.locator('.view-lines .ghost-text-decoration, .suggest-preview-text .ghost-text').first().waitFor({ timeout: timeoutMs });
    const inline = (await editor.locator('.view-lines .ghost-text-decoration').allTextContents()).join('');
    const below = await editor.locator('.suggest-preview-text .view-line').allTextContents();
    return editorText([inline, ...below].join('\n'));
  }

  /** Whether ghost text shows in the active editor right now. */
  async ghostTextVisible(): Promise<boolean> {
    return (await this.activeEditor().locator('.view-lines .ghost-text-decoration, .suggest-preview-text .ghost-text').count()) > 0;
  }

  /** Presses one key (Playwright's names: 'Escape', 'End', 'Enter'). */
  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key);
  }

  /** Accepts the shown suggestion. A new one may follow at once, so this does not wait for it to vanish. */
  async acceptGhostText(): Promise<void> {
    await this.page.keyboard.press('Tab');
  }

  /** Ctrl+S, then waits until the active editor's tab is no longer marked dirty. */
  async save(timeoutMs = 15_000): Promise<void> {
    await this.page.keyboard.press('Control+S');
    await this.page.locator('.tabs-container .tab.active:not(.dirty)').waitFor({ timeout: timeoutMs });
  }

  /** Runs a command from the palette by its title as shown there, e.g. "Tandem: Check Local Engine". */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.page.locator('.quick-input-widget input').fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await this.page.keyboard.press('Enter');
  }

  /** A status-bar item by the DOM id VS Code gives it: `<publisher>.<name>.<item id>`. */
  statusItem(domId: string): Locator {
    return this.page.locator(`[id="${domId}"]`);
  }

  /** Waits until a status-bar item's visible text contains `text`. */
  async waitForStatusText(domId: string, text: string, timeoutMs = 15_000): Promise<void> {
    await this.statusItem(domId).filter({ hasText: text }).waitFor({ timeout: timeoutMs });
  }

  /** Waits for a notification toast containing `text`. */
  async waitForNotification(text: string, timeoutMs = 15_000): Promise<void> {
    await this.page.locator('.notification-toast', { hasText: text }).first().waitFor({ timeout: timeoutMs });
  }

  /** Hovers a status-bar item until its tooltip contains `text`; returns the tooltip's text. */
  async statusTooltip(domId: string, text: string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const hover = this.page.locator('.workbench-hover, .monaco-hover', { hasText: text }).first();
    for (;;) {
      // The tooltip is rendered when shown; moving away and back re-reads the item's current tooltip.
      await this.page.mouse.move(0, 0);
      await this.statusItem(domId).hover();
      try {
        await hover.waitFor({ timeout: 2_000 });
        return editorText(await hover.innerText());
      } catch (e) {
        if (Date.now() > deadline) throw e;
      }
    }
  }

  async screenshot(file: string): Promise<string> {
    await this.page.screenshot({ path: file });
    return file;
  }
}

export interface SessionOptions {
  /** Files of the throwaway workspace, by relative path. */
  files: Record<string, string>;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Aborts the session (e.g. node:test's `t.signal` on timeout): the browser and server are torn down. */
  signal?: AbortSignal;
}

/** What a test body gets: the running server, the browser page, and where things live. */
export interface Session {
  server: CodeServer;
  workbench: Workbench;
  workspace: string;
  run: RunFolder;
}

/**
 * Runs `body` against a fresh code-server with Tandem installed and a Chromium page on its
 * workbench. Always tears everything down; on failure keeps the run folder (code-server and
 * extension-host logs, browser console, a screenshot) and prints where it is.
 */
export async function withWorkbench<T>(options: SessionOptions, body: (session: Session) => Promise<T>): Promise<T> {
  const run = new RunFolder('tandem-e2e-');
  const workspace = run.dir('workspace');
  for (const [relative, content] of Object.entries(options.files)) {
    fs.mkdirSync(path.dirname(path.join(workspace, relative)), { recursive: true });
    fs.writeFileSync(path.join(workspace, relative), content);
  }
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const teardown = async (): Promise<void> => {
    if (browser) await closeBrowser(browser);
    if (server) await server.stop();
  };
  const onAbort = (): void => void teardown();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let failed = true;
  try {
    server = await CodeServer.start({ run, workspace, settings: options.settings, env: options.env, installExtension: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleLog = fs.createWriteStream(run.file('browser-console.log'));
    page.on('console', (message) => consoleLog.write(`[${message.type()}] ${message.text()}\n`));
    page.on('close', () => consoleLog.end());
    const workbench = new Workbench(page);
    await workbench.open(server, workspace);
    const result = await body({ server, workbench, workspace, run });
    failed = false;
    return result;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (failed && page && !page.isClosed()) await page.screenshot({ path: run.file('failure.png') }).catch(() => undefined);
    await teardown();
    if (failed) console.error(`[e2e] run folder kept for debugging: ${run.root} (code-server.log, user-data/logs/, browser-console.log, failure.png)`);
    else run.remove();
  }
}
