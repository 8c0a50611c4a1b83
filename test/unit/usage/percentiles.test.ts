import assert from 'node:assert/strict';
import { LatencySketch, MAX_TRACKED_MS, MIN_TRACKED_MS, PERCENTILE_RELATIVE_ERROR, SKETCH_BUCKETS } from '../../../src/core/usage/percentiles';
import { InvalidUsageDataError } from '../../../src/core/usage/errors';
import { seededRandom } from '../../support/seededRandom';

/** Exact nearest-rank quantile: the sample of rank ceil(q·n). */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

/** Log-normal latencies around `medianMs` (Box-Muller), clamped to the tracked range. */
function logNormalSamples(seed: number, n: number, medianMs: number, sigma: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.min(MAX_TRACKED_MS, Math.max(MIN_TRACKED_MS, medianMs * Math.exp(sigma * z)));
  });
}

function assertWithinBound(sketch: LatencySketch, samples: number[], quantiles: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  for (const q of quantiles) {
    const exact = exactQuantile(sorted, q);
    const estimate = sketch.quantile(q);
    assert.ok(estimate !== undefined);
    const error = Math.abs(estimate - exact) / exact;
    assert.ok(error <= PERCENTILE_RELATIVE_ERROR + 1e-9, `q=${q}: estimate ${estimate} vs exact ${exact} (relative error ${error})`);
  }
}

describe('LatencySketch', () => {
  const quantiles = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

  it('estimates p50/p90/p95/p99 of seeded log-normal latencies within 2% of the exact values', () => {
    for (const seed of [1, 2, 3]) {
      const samples = logNormalSamples(seed, 20_000, 180, 0.8);
      const sketch = new LatencySketch();
      for (const ms of samples) sketch.add(ms);
      assertWithinBound(sketch, samples, quantiles);
      const summary = sketch.summary();
      assert.ok(summary);
      assert.equal(summary.count, samples.length);
      assert.equal(summary.min, Math.min(...samples));
      assert.equal(summary.max, Math.max(...samples));
    }
  });

  it('stays within the bound over the whole tracked range, 1 ms to 10 min', () => {
    const random = seededRandom(42);
    const samples = Array.from({ length: 50_000 }, () => MIN_TRACKED_MS * (MAX_TRACKED_MS / MIN_TRACKED_MS) ** random());
    const sketch = new LatencySketch();
    for (const ms of samples) sketch.add(ms);
    assertWithinBound(sketch, samples, [...quantiles, ...Array.from({ length: 99 }, (_, i) => (i + 1) / 100)]);
  });

  it('keeps bounded memory: the serialized size does not grow with the number of samples', () => {
    const random = seededRandom(7);
    const sketch = new LatencySketch();
    let sizeAt1k = 0;
    for (let i = 1; i <= 200_000; i++) {
      sketch.add(MIN_TRACKED_MS * (MAX_TRACKED_MS / MIN_TRACKED_MS) ** random());
      if (i === 1_000) sizeAt1k = JSON.stringify(sketch).length;
    }
    const json = sketch.toJSON();
    assert.ok(json.c.length <= SKETCH_BUCKETS, `${json.c.length} buckets`);
    assert.ok(SKETCH_BUCKETS < 400, `${SKETCH_BUCKETS} buckets in total`);
    const size = JSON.stringify(sketch).length;
    // 200x the samples: only the digits of each count grow.
    assert.ok(size < sizeAt1k * 3, `${size} bytes at 200k samples vs ${sizeAt1k} at 1k`);
    assert.ok(size < 4_000, `${size} bytes`);
  });

  it('merges sketches exactly: the merge of two days equals one sketch of both', () => {
    const a = logNormalSamples(11, 5_000, 90, 0.5);
    const b = logNormalSamples(12, 3_000, 900, 0.7);
    const left = new LatencySketch();
    const right = new LatencySketch();
    const both = new LatencySketch();
    for (const ms of a) left.add(ms), both.add(ms);
    for (const ms of b) right.add(ms), both.add(ms);
    left.merge(right);
    assert.deepEqual(left.toJSON().c, both.toJSON().c);
    assert.equal(left.count, a.length + b.length);
    for (const q of quantiles) assert.equal(left.quantile(q), both.quantile(q));
    assertWithinBound(left, [...a, ...b], quantiles);
  });

  it('round-trips through compact JSON', () => {
    const sketch = new LatencySketch();
    for (const ms of logNormalSamples(5, 2_000, 300, 1)) sketch.add(ms);
    const restored = LatencySketch.fromJSON(JSON.parse(JSON.stringify(sketch)));
    assert.deepEqual(restored.toJSON(), sketch.toJSON());
    assert.deepEqual(restored.summary(), sketch.summary());
  });

  it('clamps values outside the tracked range to the observed extremes and ignores invalid ones', () => {
    const sketch = new LatencySketch();
    for (const ms of [-5, Number.NaN, Number.POSITIVE_INFINITY]) sketch.add(ms);
    assert.equal(sketch.count, 0);
    assert.equal(sketch.quantile(0.5), undefined);
    assert.equal(sketch.summary(), undefined);
    for (const ms of [0.25, 0.5, 0.75, 1_800_000]) sketch.add(ms);
    assert.equal(sketch.quantile(0.01), 0.25, 'the lowest rank is the exact minimum');
    assert.equal(sketch.quantile(1), 1_800_000, 'the highest rank is the exact maximum, beyond the tracked range');
    const p50 = sketch.quantile(0.5);
    assert.ok(p50 !== undefined && p50 >= 0.25 && p50 <= MIN_TRACKED_MS, `sub-millisecond values are counted as at most 1 ms, got ${p50}`);
  });

  it('rejects malformed JSON with a typed error', () => {
    for (const bad of [null, 3, { o: -1, c: [] }, { o: 0, c: [1, -1], sum: 1, min: 1, max: 1 }, { o: SKETCH_BUCKETS, c: [1], sum: 1, min: 1, max: 1 }, { o: 0, c: [2], sum: 'x', min: 1, max: 1 }, { o: 0, c: [2], sum: 3, min: 5, max: 1 }]) {
      assert.throws(() => LatencySketch.fromJSON(bad), InvalidUsageDataError, JSON.stringify(bad));
    }
  });
});
