// Unit tests for the e2e speed benchmark's pure parts and its recording proxy (127.0.0.1 only).
// Run: node esbuild.js --only 'bench/e2e/*.test.ts' && npx mocha --no-config out/bench/e2e/speed.test.mjs
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { attributeGhostText, modeMetrics, pauseResults, percentile, type GhostRecord, type ObservedRequest, type SegmentObservation } from './metrics';
import { RecordingProxy, REQUEST_ID_HEADER } from './recordingProxy';
import { DEFAULT_RHYTHM, normaliseSource, planTyping, seededRandom, takeSegment, type Keystroke } from './typingPlan';

/** What an editor with `autoIndent: keep`, no tab stops and trimmed auto-whitespace ends up holding. */
function typeInto(keystrokes: readonly Keystroke[]): string {
  const lines = [''];
  for (const { key } of keystrokes) {
    const current = lines.length - 1;
    if (key === 'Enter') {
      const indent = /^ */.exec(lines[current])?.[0] ?? '';
      if (lines[current].trim() === '') lines[current] = '';
      lines.push(indent);
    } else if (key === 'Backspace') lines[current] = lines[current].slice(0, -1);
    else lines[current] += key;
  }
  return lines.join('\n');
}

describe('e2e speed benchmark: typing plan', () => {
  it('seeded random is reproducible and in [0, 1)', () => {
    const [a, b] = [seededRandom(7), seededRandom(7)];
    const values = Array.from({ length: 100 }, () => a());
    assert.deepEqual(values, Array.from({ length: 100 }, () => b()));
    assert.ok(values.every((v) => v >= 0 && v < 1));
    assert.notDeepEqual(values.slice(0, 5), Array.from({ length: 5 }, seededRandom(8)));
  });

  it('normalises line ends, tabs, trailing blanks and non-ASCII', () => {
    assert.deepEqual(normaliseSource('a\r\n\tb  \r\nc\u00e9'), ['a', '  b', 'c?']);
  });

  it('takes whole lines worth the budget and a suffix of whole lines of at least the asked size', () => {
    const source = Array.from({ length: 200 }, (_, i) => `line ${i} of the file`).join('\n');
    const { lines, rest } = takeSegment(source, 100, 300);
    const keys = lines.reduce((n, l) => n + l.length + 1, 0);
    assert.ok(keys <= 100 && keys > 100 - 21, `${keys} keystrokes`);
    assert.ok(rest.startsWith(`line ${lines.length} of`));
    assert.ok(rest.length >= 300 && rest.length < 300 + 22 && rest.endsWith('\n'));
  });

  it('types the lines exactly in an editor that keeps indentation, with the rhythm in range', () => {
    const lines = ['function f(a) {', '  if (a) {', '    return 1;', '', '  }', '  return 2;', '}', '', 'f(1);'];
    const plan = planTyping(lines, DEFAULT_RHYTHM, seededRandom(3));
    assert.equal(typeInto(plan.keystrokes), `${lines.join('\n')}\n`);
    plan.keystrokes.forEach((k, i) => {
      if (i === 0) return assert.equal(k.delayMs, 0);
      const [min, max] = plan.keystrokes[i - 1].key === 'Enter' ? DEFAULT_RHYTHM.pauseAfterEnterMs : DEFAULT_RHYTHM.keyGapMs;
      assert.ok(k.delayMs >= min && k.delayMs <= max, `${k.delayMs} for key ${i}`);
    });
    assert.equal(plan.keystrokes.filter((k) => k.key === 'Backspace').length, 4);
    assert.equal(plan.keystrokes.at(-1)?.key, 'Enter');
    assert.ok(plan.trailingPauseMs >= 600 && plan.trailingPauseMs <= 1200);
  });
});

const segment = (keys: [number, string][], endAt: number): SegmentObservation => ({
  startAt: keys[0][0],
  endAt,
  keys: keys.map(([at, key]) => ({ at, key })),
});

const request = (id: number, arrivedAt: number, firstTextAt: number | undefined, answer: string, generatedTokens: number, path = '/api/generate', stoppedAt?: number): ObservedRequest => ({
  id,
  path,
  arrivedAt,
  generatedTokens,
  promptTokens: 100 + id,
  reusedTokens: 90,
  aborted: firstTextAt === undefined,
  ...(firstTextAt === undefined ? {} : { firstTextAt }),
  ...(stoppedAt === undefined ? {} : { stoppedAt }),
  answer,
});

describe('e2e speed benchmark: metrics', () => {
  it('nearest-rank percentiles', () => {
    assert.equal(percentile([], 50), null);
    assert.equal(percentile([5], 95), 5);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 95), 95);
  });

  it('a pause counts visible ghost text between its Enter and the next key, timed from the Enter', () => {
    const s = segment([[1000, 'a'], [1100, 'Enter'], [2000, 'b'], [2100, 'Enter'], [3000, 'c'], [3100, 'Enter']], 4000);
    const ghosts: GhostRecord[] = [
      { at: 1090, text: 'before the Enter' },
      { at: 1105, text: '' },
      { at: 1150, text: '  \u00a0 ' },
      { at: 1230, text: 'shown' },
      { at: 2150, text: '' },
      { at: 3050, text: 'after the next key' },
      { at: 3500, text: 'last pause' },
    ];
    const pauses = pauseResults(s, ghosts);
    assert.deepEqual(pauses.map((p) => p.latencyMs), [130, null, 400]);
    assert.deepEqual(pauses.map((p) => p.durationMs), [900, 900, 900]);
  });

  it('credits each visible ghost change to the latest answer that had arrived and contains it', () => {
    const requests = [request(1, 0, 100, 'return  a + b;', 10), request(2, 50, 200, 'return a + b; // sum', 12), request(3, 60, 900, 'return a', 5), request(4, 70, undefined, '', 3)];
    const { shown, unattributed, appearances } = attributeGhostText(
      [
        { at: 150, text: 'return a + b;' },
        { at: 250, text: 'a + b;' },
        { at: 260, text: '' },
        { at: 300, text: 'no such answer' },
      ],
      requests,
    );
    // At 150 only request 1 had answered; at 250 request 2 is the latest that contains "a + b;".
    assert.deepEqual([...shown].sort(), [1, 2]);
    assert.equal(appearances, 3);
    assert.equal(unattributed, 1);
  });

  it('sums requests, tokens never shown and engine busy time over the typing windows only', () => {
    const segments = [segment([[1000, 'x'], [1100, 'Enter']], 2000), segment([[5000, 'y'], [5100, 'Enter']], 6000)];
    const requests = [
      request(1, 500, 600, 'outside the windows', 50, '/api/generate', 1100),
      request(2, 1010, 1050, 'abc', 10, '/api/generate', 1150),
      request(3, 1105, 1200, 'shown text', 30, '/api/generate', 1250),
      request(4, 5010, undefined, '', 20, '/api/generate', 5040),
      request(5, 5020, 5030, 'whatever', 0, '/api/tags'),
      request(6, 5105, 5300, 'second shown', 40, '/api/generate', 6500),
    ];
    const ghosts: GhostRecord[] = [{ at: 1250, text: 'shown text' }, { at: 5400, text: 'second shown' }];
    const m = modeMetrics(segments, ghosts, requests);
    assert.equal(m.typedKeystrokes, 4);
    assert.equal(m.meanKeyGapMs, 100);
    assert.equal(m.meanPauseMs, 900);
    assert.equal(m.promptTokensP50, 103);
    assert.equal(m.evaluatedPromptTokensP50, 13);
    assert.equal(m.completionRequests, 4);
    assert.equal(m.completionRequestsPer100Chars, 100);
    assert.deepEqual(m.otherRequests, { '/api/tags': 1 });
    assert.equal(m.tokensGenerated, 100);
    assert.equal(m.tokensNeverShown, 30);
    assert.equal(m.tokensNeverShownFraction, 0.3);
    // Serial model: 1000-1100 (request 1, clipped), 1100-1150, 1150-1250, 5010-5040, 5105-6000 (clipped).
    assert.equal(m.engineBusyMs, 100 + 50 + 100 + 30 + 895);
    assert.equal(m.engineBusyFraction, 1175 / 2000);
    assert.equal(m.pausesWithGhostText, 2);
    assert.equal(m.latencyP50Ms, 150);
    assert.deepEqual(m.shownRequestIds, [3, 6]);
    // Pause 1: Enter 1100, request 3 at 1105, first text 1200, shown 1250; pause 2: 5100, 5105, 5300, 5400.
    assert.deepEqual(m.pauseDetails.map((p) => p.breakdown), [
      { enterToRequestMs: 5, requestToFirstTextMs: 95, firstTextToScreenMs: 50 },
      { enterToRequestMs: 5, requestToFirstTextMs: 195, firstTextToScreenMs: 100 },
    ]);
    assert.deepEqual(m.latencyBreakdownP50, { enterToRequestMs: 5, requestToFirstTextMs: 95, firstTextToScreenMs: 50 });
    assert.equal(m.pausesServedFromEarlierAnswers, 0);
  });
});

describe('e2e speed benchmark: recording proxy', () => {
  let upstream: http.Server;
  let upstreamUrl: string;
  const seen: { id: string | undefined; closedEarly: boolean }[] = [];

  before(async () => {
    upstream = http.createServer((req, res) => {
      const entry = { id: req.headers[REQUEST_ID_HEADER] as string | undefined, closedEarly: false };
      seen.push(entry);
      res.on('close', () => (entry.closedEarly = !res.writableFinished));
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      if (req.url === '/api/generate') {
        res.write('{"response":"hel');
        setTimeout(() => res.end('lo"}\n{"response":" world"}\n{"done":true}\n'), 20);
      } else {
        // Streams until the client leaves.
        const timer = setInterval(() => res.write('{"response":"x"}\n'), 10);
        res.on('close', () => clearInterval(timer));
      }
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  after(() => {
    upstream.closeAllConnections();
    upstream.close();
  });

  it('forwards answers unchanged, keeps their text and tags the request for the engine log', async () => {
    const proxy = await RecordingProxy.start(upstreamUrl);
    try {
      const body = await (await fetch(`${proxy.url}/api/generate`, { method: 'POST', body: '{}' })).text();
      assert.equal(body, '{"response":"hello"}\n{"response":" world"}\n{"done":true}\n');
      const [record] = proxy.recorded();
      assert.equal(record.text, 'hello world');
      assert.equal(record.path, '/api/generate');
      assert.ok(record.firstTextAt !== undefined && record.endedAt !== undefined);
      assert.equal(seen.at(-1)?.id, String(record.id));
    } finally {
      await proxy.stop();
    }
  });

  it('hangs up on the upstream as soon as the client does', async () => {
    const proxy = await RecordingProxy.start(upstreamUrl);
    try {
      const abort = new AbortController();
      const response = await fetch(`${proxy.url}/api/stream`, { method: 'POST', body: '{}', signal: abort.signal });
      const reader = response.body?.getReader();
      await reader?.read();
      abort.abort();
      for (let i = 0; i < 100 && proxy.inFlight > 0; i++) await sleep(10);
      assert.equal(proxy.inFlight, 0);
      for (let i = 0; i < 100 && !seen.at(-1)?.closedEarly; i++) await sleep(10);
      assert.equal(seen.at(-1)?.closedEarly, true);
      assert.equal(proxy.recorded().at(-1)?.clientHungUp, true);
    } finally {
      await proxy.stop();
    }
  });
});
