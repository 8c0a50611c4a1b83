import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corruptFileName, USAGE_FILE, UsageStore, type FlushTimers, type UsageFiles } from '../../../src/core/usage/store';
import { parseUsageDocument, type BackendId } from '../../../src/core/usage/ledger';
import { nodeFiles } from './nodeFiles';

/** Timers fired by the test, so "later" is explicit. */
class HandTimers implements FlushTimers {
  private readonly due = new Map<number, () => void>();
  private next = 1;
  readonly delays: number[] = [];
  setTimeout(callback: () => void, ms: number): unknown {
    this.delays.push(ms);
    this.due.set(this.next, callback);
    return this.next++;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  get pending(): number {
    return this.due.size;
  }
  fireAll(): void {
    const callbacks = [...this.due.values()];
    this.due.clear();
    for (const callback of callbacks) callback();
  }
}

/** Counts calls and can fail the next write or rename, around real files. */
function observed(files: UsageFiles): UsageFiles & { calls: string[]; failNext?: 'write' | 'rename' } {
  const wrapper = {
    calls: [] as string[],
    failNext: undefined as 'write' | 'rename' | undefined,
    read: (name: string) => files.read(name),
    async write(name: string, text: string) {
      wrapper.calls.push(`write ${name}`);
      if (wrapper.failNext === 'write') throw ((wrapper.failNext = undefined), new Error('disk full'));
      return files.write(name, text);
    },
    async rename(from: string, to: string) {
      wrapper.calls.push(`rename ${from} ${to}`);
      if (wrapper.failNext === 'rename') throw ((wrapper.failNext = undefined), new Error('locked'));
      return files.rename(from, to);
    },
  };
  return wrapper;
}

const LOCAL: BackendId = 'local:qwen2.5-coder:1.5b-base';
const NOW = Date.UTC(2025, 5, 2, 10, 30);
const clock = { now: () => NOW };

describe('UsageStore', () => {
  let dir: string;
  let warnings: string[];
  const log = { warn: (message: string) => warnings.push(message) };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-usage-'));
    warnings = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function open(files: UsageFiles = nodeFiles(dir), timers = new HandTimers()) {
    return { store: new UsageStore({ files, clock, timers, log, flushDelayMs: 2_000 }), timers };
  }

  function record(ledger: Awaited<ReturnType<UsageStore['open']>>, n: number): void {
    for (let i = 0; i < n; i++) ledger.recordRequest({ kind: 'completion', workspace: 'ws', backend: LOCAL, tokens: { promptTokens: 10, completionTokens: 2, estimated: false }, totalMs: 100 + i });
  }

  it('batches many records into one atomic write (temp file, then rename)', async () => {
    const files = observed(nodeFiles(dir));
    const { store, timers } = open(files);
    const ledger = await store.open();
    record(ledger, 1_000);
    assert.deepEqual(files.calls, [], 'recording does no I/O');
    assert.equal(timers.pending, 1, 'one flush scheduled for all records');
    assert.deepEqual(timers.delays, [2_000]);
    timers.fireAll();
    await store.flush();
    assert.deepEqual(files.calls, [`write ${USAGE_FILE}.tmp`, `rename ${USAGE_FILE}.tmp ${USAGE_FILE}`]);
    assert.deepEqual(await readdir(dir), [USAGE_FILE]);
    const saved = parseUsageDocument(await readFile(join(dir, USAGE_FILE), 'utf8'));
    assert.equal(saved.rows[0].requests, 1_000);
    await store.flush();
    assert.equal(files.calls.length, 2, 'nothing new, nothing written');
    await store.dispose();
  });

  it('reloads what it saved', async () => {
    const first = open();
    record(await first.store.open(), 3);
    await first.store.dispose();
    const second = open();
    const ledger = await second.store.open();
    const today = ledger.todayTotals().byBackend.get(LOCAL);
    assert.equal(today?.counters.requests, 3);
    assert.equal(today?.total.count, 3);
    assert.deepEqual(warnings, []);
  });

  it('writes pending changes on dispose, and nothing after it', async () => {
    const files = observed(nodeFiles(dir));
    const { store, timers } = open(files);
    const ledger = await store.open();
    record(ledger, 5);
    await store.dispose();
    assert.equal(timers.pending, 0, 'the scheduled flush was replaced by the final write');
    assert.equal(files.calls.length, 2);
    record(ledger, 1);
    assert.equal(timers.pending, 0);
  });

  it('writes the final changes before dispose returns where the files allow it (VS Code does not wait at shutdown)', () => {
    const { store, timers } = open();
    return store.open().then((ledger) => {
      record(ledger, 5);
      void store.dispose();
      assert.equal(parseUsageDocument(readFileSync(join(dir, USAGE_FILE), 'utf8')).rows[0].requests, 5, 'on disk before dispose returned');
      assert.equal(timers.pending, 0);
    });
  });

  it('an older write still in flight does not replace the final one', async () => {
    const files = nodeFiles(dir);
    let releaseWrite = (): void => undefined;
    let writeStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => (writeStarted = resolve));
    const gated: UsageFiles = {
      ...files,
      async write(name, text) {
        writeStarted();
        await new Promise<void>((resolve) => (releaseWrite = resolve));
        return files.write(name, text);
      },
    };
    const { store } = open(gated);
    const ledger = await store.open();
    record(ledger, 1);
    const older = store.flush();
    await started;
    record(ledger, 2);
    await Promise.all([store.dispose(), (releaseWrite(), older)]);
    assert.equal(parseUsageDocument(await readFile(join(dir, USAGE_FILE), 'utf8')).rows[0].requests, 3);
    assert.deepEqual((await readdir(dir)).filter((name) => name !== `${USAGE_FILE}.tmp`), [USAGE_FILE]);
  });

  it('keeps the old file when a write fails, logs it, and saves on the next flush', async () => {
    const files = observed(nodeFiles(dir));
    const { store } = open(files);
    const ledger = await store.open();
    record(ledger, 1);
    await store.flush();
    record(ledger, 1);
    files.failNext = 'rename';
    await store.flush();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Could not save usage data: locked/);
    assert.equal(parseUsageDocument(await readFile(join(dir, USAGE_FILE), 'utf8')).rows[0].requests, 1, 'the previous file is intact');
    await store.flush();
    assert.equal(parseUsageDocument(await readFile(join(dir, USAGE_FILE), 'utf8')).rows[0].requests, 2);
  });

  const damaged: [string, (valid: string) => string][] = [
    ['bad JSON', () => '{"format": "tandem-usage", oops'],
    ['a truncated file', (valid) => valid.slice(0, Math.floor(valid.length / 2))],
    ['an unknown version', (valid) => valid.replace('"version":1', '"version":2')],
    ['another format', () => '{"hello": "world"}'],
    ['a damaged row', (valid) => valid.replace('"requests":4', '"requests":"four"')],
    ['an empty file', () => ''],
  ];
  for (const [what, damage] of damaged) {
    it(`sets aside ${what}, starts fresh and logs which file and why`, async () => {
      const seed = open();
      record(await seed.store.open(), 4);
      await seed.store.dispose();
      const original = damage(await readFile(join(dir, USAGE_FILE), 'utf8'));
      await writeFile(join(dir, USAGE_FILE), original);

      const { store } = open();
      const ledger = await store.open();
      assert.equal(ledger.todayTotals().byBackend.size, 0, 'a fresh ledger');
      const aside = corruptFileName(NOW);
      assert.equal(aside, 'usage.corrupt-2025-06-02T10-30-00-000Z.json');
      assert.deepEqual((await readdir(dir)).sort(), [aside]);
      assert.equal(await readFile(join(dir, aside), 'utf8'), original, 'the damaged bytes are kept for inspection');
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0].includes(USAGE_FILE) && warnings[0].includes(aside), warnings[0]);
      assert.match(warnings[0], what === 'an unknown version' ? /version/ : /damaged/);

      record(ledger, 1);
      await store.dispose();
      assert.equal(parseUsageDocument(await readFile(join(dir, USAGE_FILE), 'utf8')).rows[0].requests, 1);
    });
  }

  it('starts fresh with no file and no warning', async () => {
    const { store } = open();
    const ledger = await store.open();
    assert.equal(ledger.toDocument().rows.length, 0);
    assert.deepEqual(warnings, []);
    assert.deepEqual(await readdir(dir), []);
  });
});
