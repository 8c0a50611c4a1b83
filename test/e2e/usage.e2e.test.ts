// What a person sees: "Tandem: Show Usage" in real VS Code (code-server + Chromium) over two weeks
// of recorded usage: four charts drawn with data, their data tables, the verdict, redrawn when the
// theme changes; its Export
// button writes the CSV; then "Reset Usage" through its modal confirmation, and the open dashboard
// redraws empty.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import { addDays, localDay, UsageLedger, type BackendId } from '../../src/core/usage/ledger';
import { USAGE_FILE } from '../../src/core/usage/store';
import { closeBrowser, CodeServer, launchChromium, PeakMemorySampler, RunFolder, Workbench } from './harness';

const EXTENSION_ID = 'tandem-dev.tandem';
const LOCAL: BackendId = 'local:qwen2.5-coder:1.5b-base';
const CLOUD: BackendId = 'cloud:gpt-4.1';
const DAYS = 14;
const CHARTS = ['tokens', 'latency', 'acceptance', 'spend'];

/** Two weeks of plausible usage ending today, written the way the extension stores it. */
function recordedUsage(): string {
  let now = Date.now();
  const ledger = new UsageLedger({ clock: { now: () => now } });
  const today = localDay(now);
  for (let i = DAYS - 1; i >= 0; i--) {
    const [y, m, d] = addDays(today, -i).split('-').map(Number);
    now = new Date(y, m - 1, d, 12).getTime();
    const origin = { workspace: 'e2e', backend: LOCAL };
    for (let n = 0; n < 20 + 3 * i; n++) {
      ledger.recordRequest({ kind: 'completion', ...origin, tokens: { promptTokens: 900 + 10 * n, completionTokens: 30, estimated: false }, ttftMs: 60 + n, totalMs: 150 + 5 * n });
      const id = `${i}-${n}`;
      ledger.recordShown(id, origin);
      if (n % 3 === 0) {
        ledger.recordAccepted(id, 40);
        ledger.recordRetained(id, n % 2 === 0 ? 40 : 25);
      }
    }
    if (i % 2 === 0) {
      ledger.recordRequest({ kind: 'chat', reason: 'policy', workspace: 'e2e', backend: CLOUD, tokens: { promptTokens: 6_000, completionTokens: 800, estimated: false }, ttftMs: 450, totalMs: 3_200 });
      ledger.recordRequest({ kind: 'refactor', reason: 'policy', workspace: 'e2e', backend: 'local:qwen2.5-coder:7b', tokens: { promptTokens: 2_000, completionTokens: 500, estimated: false }, ttftMs: 300, totalMs: 6_000 });
    }
  }
  return JSON.stringify(ledger.toDocument());
}

/** The dashboard's page: VS Code nests it in two iframes (the webview host, then the active frame). */
async function dashboardFrame(page: Page, timeoutMs = 20_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if ((await frame.locator('#tokens-chart').count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error('the usage dashboard webview did not appear');
    await page.waitForTimeout(200);
  }
}

/** Pixels a chart's canvas has drawn (alpha > 0). Runs in the page, hence a string (this file has no DOM types). */
function paintedPixels(frame: Frame, id: string): Promise<number> {
  return frame.evaluate(`(() => {
    const canvas = document.getElementById(${JSON.stringify(`${id}-chart`)});
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
  })()`);
}

const memory = new PeakMemorySampler();

test('Show Usage draws the dashboard with recorded data; Export writes the CSV; Reset Usage empties it while it is open', { timeout: 240_000 }, async (t) => {
  const started = Date.now();
  const run = new RunFolder('tandem-e2e-usage-');
  const workspace = run.dir('workspace');
  fs.writeFileSync(path.join(workspace, 'README.md'), '# usage\n');
  // The extension's global storage in code-server's user-data folder.
  const storage = path.join(run.dir('user-data'), 'User', 'globalStorage', EXTENSION_ID);
  fs.mkdirSync(storage, { recursive: true });
  fs.writeFileSync(path.join(storage, USAGE_FILE), recordedUsage());

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const teardown = async (): Promise<void> => {
    if (browser) await closeBrowser(browser);
    await server?.stop();
  };
  t.signal.addEventListener('abort', () => void teardown(), { once: true });
  let failed = true;
  try {
    server = await CodeServer.start({ run, workspace, installExtension: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const cspViolations: string[] = [];
    const consoleLog = fs.createWriteStream(run.file('browser-console.log'));
    page.on('console', (message) => {
      consoleLog.write(`[${message.type()}] ${message.text()}\n`);
      if (/Content Security Policy/i.test(message.text()) && /usage/i.test(message.text())) cspViolations.push(message.text());
    });
    const workbench = new Workbench(page);
    await workbench.open(server, workspace);
    await workbench.statusItem(`${EXTENSION_ID}.tandem.status`).waitFor();

    await workbench.runCommand('Tandem: Show Usage');
    await page.locator('.tabs-container .tab', { hasText: 'Tandem Usage' }).waitFor();
    const frame = await dashboardFrame(page);

    // One row per day from the first recorded day to today, in the tables under the charts.
    await frame.locator('#tokens-table tbody tr').nth(DAYS - 1).waitFor({ state: 'attached' });
    assert.equal(await frame.locator('#tokens-table tbody tr').count(), DAYS);
    assert.equal(await frame.locator('#latency-table tbody tr').count(), 3, 'one latency row per backend');
    const firstDay = await frame.locator('#tokens-table tbody tr').first().locator('td').allTextContents();
    assert.ok(Number(firstDay[0]) > 0 && Number(firstDay[1]) === 0, `local tokens but no cloud on the first (odd) day: ${firstDay.join(', ')}`);
    for (const id of CHARTS) {
      const painted = await paintedPixels(frame, id);
      assert.ok(painted > 500, `${id} chart drew only ${painted} pixels`);
    }
    assert.match(await frame.locator('#verdict').innerText(), /tokens a day/);
    assert.match(await frame.locator('#today').innerText(), /^Today: \d+\/\d+ suggestions accepted/);

    const screenshot = path.join(os.tmpdir(), `tandem-e2e-usage-dashboard-${Date.now()}.png`);
    await workbench.screenshot(screenshot);
    console.log(`[e2e] usage dashboard screenshot: ${screenshot}`);

    // A theme change redraws the charts in the new theme's colours.
    const tokensChart = (): Promise<string> => frame.evaluate(`document.getElementById('tokens-chart').toDataURL()`);
    const lightChart = await tokensChart();
    // Ctrl+K Ctrl+T opens the theme picker; the picked theme applies as it is highlighted.
    await page.locator('.tabs-container .tab', { hasText: 'Tandem Usage' }).click();
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+T');
    const themeInput = page.locator('.quick-input-widget input[aria-label*="Theme" i], .quick-input-widget input[placeholder*="Theme" i]');
    await themeInput.waitFor();
    await themeInput.fill('Default Dark Modern');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Default Dark Modern' }).first().waitFor();
    await page.keyboard.press('Enter');
    await frame.locator('body.vscode-dark').waitFor({ state: 'attached', timeout: 15_000 });
    // The dashboard redraws when it sees the body's theme class change, a moment after the class lands.
    const redrawDeadline = Date.now() + 10_000;
    for (let i = 0; i < 100 && Date.now() < redrawDeadline && (await tokensChart()) === lightChart; i++) await page.waitForTimeout(100);
    assert.notEqual(await tokensChart(), lightChart, 'the chart was not redrawn for the dark theme');
    const darkScreenshot = path.join(os.tmpdir(), `tandem-e2e-usage-dashboard-dark-${Date.now()}.png`);
    await workbench.screenshot(darkScreenshot);
    console.log(`[e2e] usage dashboard screenshot (dark theme): ${darkScreenshot}`);

    // The dashboard's Export button runs "Export Usage (CSV)"; the web workbench's save dialog is a quick input.
    // A DOM click: the save dialog takes focus out of the webview before a mouse click would report back.
    await frame.locator('#export').dispatchEvent('click');
    const saveInput = page.locator('.quick-input-widget .quick-input-box input');
    await page.locator('.quick-input-widget', { hasText: 'Export Tandem Usage' }).waitFor();
    // The dialog opens showing only the folder ("…/workspace/") and adds the default file name once it
    // has listed that folder; Enter before then would accept or browse the folder, not the file.
    const defaultName = /tandem-usage-\d{4}-\d{2}-\d{2}\.csv$/;
    await page
      .waitForFunction(`${defaultName}.test(document.querySelector('.quick-input-widget .quick-input-box input')?.value ?? '')`, undefined, { timeout: 15_000 })
      .catch(() => undefined); // the assertion below reports the value it ended with
    const savePath = await saveInput.inputValue();
    assert.match(savePath, defaultName);
    assert.equal(path.dirname(savePath), workspace, 'the save dialog starts in the workspace folder');
    await page.keyboard.press('Enter');
    // The command writes the file, then says where: the notification is the "done" signal.
    await workbench.waitForNotification('usage exported to');
    const exported = path.basename(savePath);
    assert.ok(fs.existsSync(path.join(workspace, exported)), `${exported} was not written to the workspace folder`);
    const lines = fs.readFileSync(path.join(workspace, exported), 'utf8').trimEnd().split('\r\n');
    assert.match(lines[0], /^period,route,model,requests,/);
    // One row per day and backend: 14 local completion rows, 7 cloud chat rows and 7 local refactor rows.
    assert.equal(lines.length - 1, DAYS * 2, lines.slice(0, 4).join('\n'));

    // Reset through the modal; the open dashboard follows the ledger.
    await workbench.runCommand('Tandem: Reset Usage');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /cannot be undone/);
    await dialog.locator('.monaco-button', { hasText: 'Reset Usage' }).click();
    await frame.locator('#tokens-table tbody tr').nth(1).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await frame.locator('#latency-table tbody tr').count(), 0);
    assert.equal(await frame.locator('#today').innerText(), 'Today: no requests yet');
    assert.deepEqual(cspViolations, [], 'the dashboard loads nothing its CSP refuses');
    failed = false;
  } finally {
    if (failed && page && !page.isClosed()) await page.screenshot({ path: run.file('failure.png') }).catch(() => undefined);
    await teardown();
    if (failed) console.error(`[e2e] run folder kept for debugging: ${run.root}`);
    else run.remove();
    console.log(`[e2e] usage scenario: ${((Date.now() - started) / 1000).toFixed(1)}s, peak memory ${memory.stop()} MB`);
  }
});
