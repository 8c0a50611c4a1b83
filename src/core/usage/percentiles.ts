import { InvalidUsageDataError } from './errors';

/** Relative error of every percentile estimate for values inside [MIN_TRACKED_MS, MAX_TRACKED_MS]. */
export const PERCENTILE_RELATIVE_ERROR = 0.02;
/** Smaller values are counted in the lowest bucket (their estimates are clamped to the observed minimum). */
export const MIN_TRACKED_MS = 1;
/** Larger values are counted in the highest bucket (their estimates are clamped to the observed maximum). */
export const MAX_TRACKED_MS = 600_000;

// Bucket i holds values in (GAMMA^(i-1), GAMMA^i]; reporting 2·GAMMA^i/(GAMMA+1) for it is within
// PERCENTILE_RELATIVE_ERROR of any value in the bucket (the DDSketch construction).
const GAMMA = (1 + PERCENTILE_RELATIVE_ERROR) / (1 - PERCENTILE_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Number of buckets: the memory bound of one sketch, whatever the number of samples. */
export const SKETCH_BUCKETS = Math.ceil(Math.log(MAX_TRACKED_MS / MIN_TRACKED_MS) / LOG_GAMMA) + 1;

/** Compact JSON form: counts of buckets `o .. o + c.length - 1`, plus exact sum, min and max. */
export interface LatencySketchJson {
  o: number;
  c: number[];
  sum: number;
  min: number;
  max: number;
}

/** The percentiles the dashboard shows, in milliseconds. */
export interface PercentileSummary {
  count: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

function bucketOf(ms: number): number {
  const clamped = Math.min(Math.max(ms, MIN_TRACKED_MS), MAX_TRACKED_MS);
  return Math.min(SKETCH_BUCKETS - 1, Math.max(0, Math.ceil(Math.log(clamped / MIN_TRACKED_MS) / LOG_GAMMA)));
}

function bucketValue(index: number): number {
  return (MIN_TRACKED_MS * 2 * GAMMA ** index) / (GAMMA + 1);
}

/**
 * Latency percentiles in bounded memory: a fixed set of log-spaced buckets from 1 ms to 10 min.
 * Sketches of different days or backends merge exactly (bucket counts add up).
 */
export class LatencySketch {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  /** Number of samples added. */
  get count(): number {
    return this.n;
  }

  /** Adds one latency sample; negative, NaN and infinite values are ignored (clock jumps). */
  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const index = bucketOf(ms);
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
    this.n += 1;
    this.sum += ms;
    this.min = Math.min(this.min, ms);
    this.max = Math.max(this.max, ms);
  }

  /** Adds all samples of `other` to this sketch. */
  merge(other: LatencySketch): void {
    for (const [index, count] of other.counts) this.counts.set(index, (this.counts.get(index) ?? 0) + count);
    this.n += other.n;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  clone(): LatencySketch {
    const copy = new LatencySketch();
    copy.merge(this);
    return copy;
  }

  /**
   * The nearest-rank q-quantile (0 < q <= 1): within PERCENTILE_RELATIVE_ERROR of the exact sample
   * of rank ceil(q·count), for samples inside the tracked range; the lowest and highest ranks are
   * exact. Undefined when empty.
   */
  quantile(q: number): number | undefined {
    if (this.n === 0) return undefined;
    const rank = Math.min(this.n, Math.max(1, Math.ceil(q * this.n)));
    // The extremes are kept exactly, also for values outside the tracked range.
    if (rank === 1) return this.min;
    if (rank === this.n) return this.max;
    let seen = 0;
    for (const index of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(index) ?? 0;
      // Clamping to the exact extremes only moves the estimate towards the true value.
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketValue(index)));
    }
    return this.max;
  }

  /** p50/p90/p95/p99 with count, mean and extremes; undefined when empty. */
  summary(): PercentileSummary | undefined {
    if (this.n === 0) return undefined;
    const at = (q: number): number => this.quantile(q) ?? this.max;
    return { count: this.n, mean: this.sum / this.n, min: this.min, max: this.max, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99) };
  }

  toJSON(): LatencySketchJson {
    if (this.n === 0) return { o: 0, c: [], sum: 0, min: 0, max: 0 };
    const indexes = [...this.counts.keys()];
    const first = Math.min(...indexes);
    const last = Math.max(...indexes);
    const c: number[] = [];
    for (let i = first; i <= last; i++) c.push(this.counts.get(i) ?? 0);
    return { o: first, c, sum: this.sum, min: this.min, max: this.max };
  }

  /** Rebuilds a sketch from `toJSON()` output; throws InvalidUsageDataError when it is malformed. */
  static fromJSON(json: unknown): LatencySketch {
    const shape = (detail: string): InvalidUsageDataError => new InvalidUsageDataError('shape', `latency sketch: ${detail}`);
    if (typeof json !== 'object' || json === null) throw shape('not an object');
    const { o, c, sum, min, max } = json as Record<string, unknown>;
    if (!Number.isInteger(o) || (o as number) < 0) throw shape('bad offset');
    if (!Array.isArray(c) || (o as number) + c.length > SKETCH_BUCKETS) throw shape('bad counts');
    const sketch = new LatencySketch();
    c.forEach((count: unknown, i) => {
      if (!Number.isInteger(count) || (count as number) < 0) throw shape('bad count');
      if ((count as number) > 0) {
        sketch.counts.set((o as number) + i, count as number);
        sketch.n += count as number;
      }
    });
    if (sketch.n === 0) return sketch;
    for (const value of [sum, min, max]) if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw shape('bad sum/min/max');
    if ((min as number) > (max as number)) throw shape('min above max');
    sketch.sum = sum as number;
    sketch.min = min as number;
    sketch.max = max as number;
    return sketch;
  }
}
