import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostMessage, TurnView, WebviewMessage } from '../../../src/core/chat/protocol';
import { chatPage } from '../../../src/webview/chat/page';

// The real bundle (media/chat/chat.js, built by `node esbuild.js`) in Debian's Chromium, under the
// page's real CSP, with acquireVsCodeApi standing in for the VS Code host.
const ROOT = path.resolve(__dirname, '../../../..');
const MEDIA = path.join(ROOT, 'media', 'chat');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WAIT_MS = 5000;

// Code that runs in the page is passed as strings: it is browser code, and this file is type-checked
// for Node.
const FAKE_HOST = `
  window.posted = [];
  window.violations = [];
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.posted.push(m) });
  document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
`;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function streamingTurn(id: string, question: string): TurnView {
  return { id, command: 'chat', question, contextLabels: [], preferCloud: false, answer: '', notices: [], status: 'streaming' };
}

describe('chat webview in Chromium', function () {
  this.timeout(30_000);
  let browser: Browser;
  let page: Page;
  let origin: string;
  let trackerOrigin: string;
  let trackerHits = 0;
  const servers: Server[] = [];

  before(async () => {
    assert.ok(existsSync(path.join(MEDIA, 'chat.js')), 'media/chat/chat.js is missing: run `node esbuild.js` first');
    const files = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(chatPage({ cspSource: origin, scriptUri: `${origin}/media/chat/chat.js`, styleUri: `${origin}/media/chat/chat.css`, nonce: randomBytes(16).toString('base64') }));
        return;
      }
      const name = url.pathname.replace(/^\/media\/chat\//, '');
      if (name === 'chat.js' || name === 'chat.css') {
        res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/css' });
        res.end(readFileSync(path.join(MEDIA, name)));
        return;
      }
      res.writeHead(404).end();
    });
    // A second origin standing for "the network": an answer must not make the page load anything from it.
    const tracker = createServer((_req, res) => {
      trackerHits++;
      res.writeHead(200, { 'content-type': 'image/png' }).end();
    });
    servers.push(files, tracker);
    origin = await listen(files);
    trackerOrigin = await listen(tracker);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) s.close();
  });

  beforeEach(async () => {
    page = await browser.newPage();
    await page.addInitScript(FAKE_HOST);
    await page.goto(origin);
    await waitFor(`window.posted.some((m) => m.type === 'ready')`);
    await host({ type: 'state', turns: [], cloudReaskable: [], destination: { kind: 'route', route: { model: 'gpt-4.1', where: 'cloud', why: 'hybrid mode' } } });
  });

  afterEach(async () => {
    await page?.close();
  });

  async function host(message: HostMessage): Promise<void> {
    await page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
  }

  function posted(): Promise<WebviewMessage[]> {
    return page.evaluate('window.posted') as Promise<WebviewMessage[]>;
  }

  function inPage<T>(expression: string): Promise<T> {
    return page.evaluate(expression) as Promise<T>;
  }

  /** Polls from Node: page.waitForFunction would eval the string in the page, which the CSP forbids. */
  async function waitFor(expression: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (let i = 0; i < WAIT_MS / 10; i++) {
      if (await inPage<boolean>(expression)) return;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`timed out waiting for ${expression}`);
  }

  it('loads under its CSP: the script runs, the stylesheet applies, nothing is refused, the input has focus', async () => {
    assert.equal(await page.textContent('#destination'), 'Will be answered by gpt-4.1 (cloud) — hybrid mode');
    assert.equal(await inPage(`getComputedStyle(document.getElementById('transcript')).overflowY`), 'auto');
    assert.equal(await inPage(`document.activeElement?.id`), 'input');
    assert.deepEqual(await inPage<string[]>(`window.violations`), []);
    assert.equal(await page.getAttribute('#transcript', 'role'), 'log');
    assert.ok(await page.getAttribute('#input', 'aria-label'));
  });

  it('Enter sends, Shift+Enter starts a new line, and the input empties', async () => {
    await page.click('#input');
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    assert.deepEqual((await posted()).filter((m) => m.type === 'send'), []);
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted()).filter((m) => m.type === 'send'), [{ type: 'send', text: 'line one\nline two' }]);
    assert.equal(await page.inputValue('#input'), '');
  });

  it('renders a streamed answer incrementally as Markdown with highlighted code, and labels who answered', async () => {
    await host({ type: 'turnStarted', turn: streamingTurn('t1', 'show me') });
    assert.equal(await page.isVisible('#stop'), true);
    assert.equal(await page.isDisabled('#send'), true);
    await host({ type: 'event', turnId: 't1', event: { kind: 'route', route: { model: 'gpt-4.1', where: 'cloud', why: 'hybrid mode, no local-only files' } } });
    for (const text of ['Here is **the** code:\n\n```ts\n', 'const answer', ' = 42;\n']) {
      await host({ type: 'event', turnId: 't1', event: { kind: 'text', text } });
    }
    // Mid-stream (fence not closed yet) the code is already a highlighted block.
    await waitFor(`document.querySelector('.markdown code.language-ts .hljs-keyword')?.textContent === 'const'`);
    assert.equal(await page.textContent('.markdown strong'), 'the');
    await host({ type: 'event', turnId: 't1', event: { kind: 'text', text: '```\n\nDone.' } });
    await host({ type: 'event', turnId: 't1', event: { kind: 'done', interrupted: false, usage: { promptTokens: 12, completionTokens: 7, estimated: false } } });
    await host({ type: 'turnEnded', turnId: 't1', status: 'done', cloudReaskable: false });
    await waitFor(`document.querySelector('.turn-footer .status')?.textContent?.includes('7 answer tokens') === true`);
    assert.equal(await page.textContent('.route'), 'answered by gpt-4.1 (cloud) — hybrid mode, no local-only files');
    assert.equal(await page.textContent('.markdown pre code'), 'const answer = 42;');
    assert.match((await page.textContent('.markdown'))!.trim(), /Done\.$/);
    assert.equal(await page.isVisible('#stop'), false);
    assert.equal(await page.isDisabled('#send'), false);
    assert.equal(await page.getAttribute('.answer', 'aria-busy'), 'false');
  });

  it('Stop (button or Escape) asks the host to abort, and a stopped turn says so', async () => {
    await host({ type: 'turnStarted', turn: streamingTurn('t1', 'long one') });
    await host({ type: 'event', turnId: 't1', event: { kind: 'text', text: 'partial' } });
    await page.click('#stop');
    assert.deepEqual((await posted()).filter((m) => m.type === 'stop'), [{ type: 'stop' }]);
    await page.focus('#input');
    await page.keyboard.press('Escape');
    assert.equal((await posted()).filter((m) => m.type === 'stop').length, 2, 'Escape in the input stops too');
    await host({ type: 'turnEnded', turnId: 't1', status: 'stopped', cloudReaskable: false });
    await waitFor(`document.querySelector('.turn-footer .status')?.textContent === 'Stopped.'`);
    assert.equal((await page.textContent('.markdown'))?.trim(), 'partial');
  });

  it('sanitizes answers: no script runs, raw HTML shows as text, nothing loads from the network', async () => {
    await host({ type: 'turnStarted', turn: streamingTurn('t1', 'evil') });
    const evil = [
      '<img src=x onerror="window.pwned=1">',
      '<script>window.pwned=2</script>',
      '[click](javascript:window.pwned=3)',
      `![pixel](${trackerOrigin}/pixel.png?code=secret)`,
      '<a href="#" onclick="window.pwned=4">x</a>',
    ].join('\n\n');
    await host({ type: 'event', turnId: 't1', event: { kind: 'text', text: evil } });
    await host({ type: 'event', turnId: 't1', event: { kind: 'done', interrupted: false } });
    await waitFor(`(document.querySelector('.markdown')?.textContent ?? '').includes('onerror')`);
    await inPage(`document.querySelector('.markdown a')?.click()`);
    await page.waitForTimeout(200);
    assert.equal(await inPage(`window.pwned`), undefined);
    assert.equal(await page.locator('.markdown script').count(), 0);
    assert.equal(await page.locator('.markdown [onerror], .markdown [onclick]').count(), 0);
    assert.equal(await page.locator('.markdown a[href^="javascript"]').count(), 0);
    assert.equal(trackerHits, 0);
    assert.ok((await inPage<string[]>(`window.violations`)).some((v) => v.startsWith('img-src')));
  });

  it('code blocks carry Copy and Insert buttons that send the exact code', async () => {
    await host({ type: 'turnStarted', turn: streamingTurn('t1', 'code') });
    await host({ type: 'event', turnId: 't1', event: { kind: 'text', text: '```python\ndef f(x):\n    return x < 1\n```\n' } });
    await host({ type: 'event', turnId: 't1', event: { kind: 'done', interrupted: false } });
    await page.click('button[aria-label="Copy code"]');
    await page.click('button[aria-label="Insert code at the cursor"]');
    const code = 'def f(x):\n    return x < 1';
    assert.deepEqual((await posted()).filter((m) => m.type === 'copyCode' || m.type === 'insertCode'), [
      { type: 'copyCode', code },
      { type: 'insertCode', code },
    ]);
  });

  it('shows notices and errors inline, with action buttons that ask the host to run the command', async () => {
    await host({ type: 'turnStarted', turn: streamingTurn('t1', 'q') });
    await host({ type: 'event', turnId: 't1', event: { kind: 'notice', text: 'Cloud returned 401; falling back to qwen.' } });
    await host({ type: 'event', turnId: 't1', event: { kind: 'error', message: 'No model answered.', actions: [{ title: 'Set Cloud API Key', command: 'tandem.setCloudApiKey' }] } });
    await host({ type: 'turnEnded', turnId: 't1', status: 'failed', cloudReaskable: false });
    await waitFor(`document.querySelector('[role="alert"]') !== null`);
    assert.equal(await page.textContent('.notice'), 'Cloud returned 401; falling back to qwen.');
    assert.equal(await page.textContent('[role="alert"] .error-message'), 'No model answered.');
    await page.click('[role="alert"] button:has-text("Set Cloud API Key")');
    assert.deepEqual((await posted()).filter((m) => m.type === 'runAction'), [{ type: 'runAction', turnId: 't1', command: 'tandem.setCloudApiKey' }]);
  });

  it('offers "Re-ask in the cloud" only on local answers the host marked re-askable', async () => {
    const done = (id: string, where: 'local' | 'cloud'): TurnView => ({
      ...streamingTurn(id, `q-${id}`),
      answer: `a-${id}`,
      status: 'done',
      route: { model: where === 'local' ? 'qwen2.5-coder:7b' : 'gpt-4.1', where, why: 'x' },
    });
    await host({ type: 'state', turns: [done('l1', 'local'), done('l2', 'local'), done('c1', 'cloud')], cloudReaskable: ['l1', 'c1'], destination: { kind: 'unknown', reason: 'n/a' } });
    await waitFor(`document.querySelectorAll('article.turn').length === 3`);
    assert.equal(await page.locator('article[data-turn-id="l1"] button[data-action="reask"]').count(), 1);
    assert.equal(await page.locator('article[data-turn-id="l2"] button[data-action="reask"]').count(), 0);
    assert.equal(await page.locator('article[data-turn-id="c1"] button[data-action="reask"]').count(), 0);
    await page.click('article[data-turn-id="l1"] button[data-action="reask"]');
    assert.deepEqual((await posted()).filter((m) => m.type === 'reaskInCloud'), [{ type: 'reaskInCloud', turnId: 'l1' }]);
    assert.equal(await page.textContent('article[data-turn-id="l2"] .route .model'), 'answered by qwen2.5-coder:7b (local)');
  });

  it('shows where the next message goes, the attached context, and a prefilled question', async () => {
    await host({ type: 'destination', destination: { kind: 'route', route: { model: 'qwen2.5-coder:7b', where: 'local', why: 'policy: src/secret/** is localOnly' } }, pending: { labels: ['selection · src/secret/a.ts'] } });
    assert.equal(await page.textContent('#destination'), 'Will be answered by qwen2.5-coder:7b (local) — policy: src/secret/** is localOnly');
    assert.equal(await page.isVisible('#context'), true);
    assert.equal(await page.textContent('#context-label'), 'Attached: selection · src/secret/a.ts');
    await page.click('#drop-context');
    assert.ok((await posted()).some((m) => m.type === 'dropContext'));
    await host({ type: 'prefill', text: 'Explain the selected code.' });
    assert.equal(await page.inputValue('#input'), 'Explain the selected code.');
    assert.equal(await inPage(`document.activeElement?.id`), 'input');
    assert.equal(await page.isVisible('#context'), false);
    await host({ type: 'destination', destination: { kind: 'unknown', reason: 'policy file unreadable' } });
    assert.equal(await page.textContent('#destination'), 'Destination unknown: policy file unreadable');
  });

  it('restores a saved transcript, and a turn started afterwards streams into it', async () => {
    const saved: TurnView = { ...streamingTurn('old', 'earlier question'), answer: 'earlier *answer*', status: 'interrupted', contextLabels: ['file · src/a.ts'], route: { model: 'qwen', where: 'local', why: 'local-only mode' } };
    await host({ type: 'state', turns: [saved], cloudReaskable: [], destination: { kind: 'unknown', reason: 'n/a' } });
    await waitFor(`document.querySelector('.markdown em')?.textContent === 'answer'`);
    assert.equal(await page.textContent('.context-labels'), 'with file · src/a.ts');
    assert.equal(await page.textContent('.turn-footer .status'), 'The answer was interrupted; what arrived is kept.');
    assert.equal(await page.isVisible('#empty'), false);
    await host({ type: 'turnStarted', turn: streamingTurn('new', 'next') });
    // Many small chunks in one burst end up rendered in full (renders are batched per frame).
    for (let i = 0; i < 200; i++) await host({ type: 'event', turnId: 'new', event: { kind: 'text', text: `w${i} ` } });
    await waitFor(`(document.querySelector('article[data-turn-id="new"] .markdown')?.textContent ?? '').trim().endsWith('w199')`);
    assert.equal(await page.locator('article.turn').count(), 2);
  });
});
