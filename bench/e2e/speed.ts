// `npm run bench:e2e`: completion speed as a person feels it, in real VS Code (code-server +
// Chromium) on the loopback engine (20m model, one thread). Types real source files with a seeded
// rhythm, in a new file and at the top of a file with a 3 kB suffix, for Tandem as built and for a
// one-request-per-keystroke baseline, and prints what the user got for what the engine did.
//   --files a,b      source files to type (default: three files from node_modules)
//   --chars N        key presses per mode, at most, split across the files (default 1000)
//   --seed N         rhythm seed (default 1)
//   --modes m,n      new-file,suffix (default both)
//   --extensions x   tandem,baseline (default both)
//   --suffix-bytes N text below the cursor in the suffix mode (default 3072)
//   --baseline-tokens N  num_predict of the baseline's requests (default 16)
//   --tandem-settings JSON  extra user settings for Tandem, e.g. '{"tandem.completion.singleLineMaxTokens":16}'
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findRepoRoot } from '../../test/e2e/harness';
import { startEngine, type Engine } from '../../test/engine/server';
import { modeMetrics } from './metrics';
import { RecordingProxy } from './recordingProxy';
import { breakdownLines, DEFINITIONS, MODE_TITLES, ratioLine, rhythmLines, tableFor, targetChecks, targetLines, type ReportRow } from './report';
import { keystrokeBaseline, runSession, tandemExtension, type BenchExtension, type Mode, type SessionFile, type SessionResult } from './speedSession';
import { DEFAULT_RHYTHM, planTyping, seededRandom, takeSegment } from './typingPlan';

const MODEL = 'qwen2.5-coder:1.5b-base';
const PRESET = '20m';
const DEFAULT_FILES = ['node_modules/picomatch/lib/picomatch.js', 'node_modules/ollama/src/utils.ts', 'node_modules/semver/classes/range.js'];
const MODES: readonly Mode[] = ['new-file', 'suffix'];
/** Hard bound on the whole run; a session has its own, tighter one. */
const RUN_TIMEOUT_MS = 30 * 60_000;
const LOAD_SAMPLE_MS = 2_000;

function list(value: string | undefined, fallback: readonly string[]): string[] {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [...fallback];
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

function jsonObject(name: string, value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  const parsed: unknown = JSON.parse(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`--${name} must be a JSON object, got ${value}`);
  return parsed as Record<string, unknown>;
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      files: { type: 'string' },
      chars: { type: 'string' },
      seed: { type: 'string' },
      modes: { type: 'string' },
      extensions: { type: 'string' },
      'suffix-bytes': { type: 'string' },
      'baseline-tokens': { type: 'string' },
      'tandem-settings': { type: 'string' },
    },
  });
  const modes = list(values.modes, MODES);
  for (const mode of modes) if (!MODES.includes(mode as Mode)) throw new Error(`unknown mode ${mode}; use ${MODES.join(',')}`);
  const extensions = list(values.extensions, ['tandem', 'baseline']);
  for (const id of extensions) if (id !== 'tandem' && id !== 'baseline') throw new Error(`unknown extension ${id}; use tandem,baseline`);
  return {
    files: list(values.files, DEFAULT_FILES),
    chars: positiveInt('chars', values.chars, 1000),
    seed: positiveInt('seed', values.seed, 1),
    modes: modes as Mode[],
    extensions,
    suffixBytes: positiveInt('suffix-bytes', values['suffix-bytes'], 3072),
    baselineTokens: positiveInt('baseline-tokens', values['baseline-tokens'], 16),
    tandemSettings: jsonObject('tandem-settings', values['tandem-settings']),
  };
}

type Options = ReturnType<typeof parseOptions>;

/** The files typed in one mode: the same lines and rhythm in both modes and for both extensions. */
function sessionFiles(repoRoot: string, options: Options, mode: Mode): SessionFile[] {
  const budget = Math.floor(options.chars / options.files.length);
  return options.files.map((file, index) => {
    const source = fs.readFileSync(path.resolve(repoRoot, file), 'utf8');
    const segment = takeSegment(source, budget, options.suffixBytes);
    const plan = planTyping(segment.lines, DEFAULT_RHYTHM, seededRandom(options.seed + index));
    const typed = segment.lines.map((line) => `${line}\n`).join('');
    const name = `typed/${mode}-${index + 1}-${path.basename(file)}`;
    if (mode === 'new-file') return { relativePath: name, initialContent: '', plan, expectedContent: typed };
    // The cursor starts on an empty first line; everything typed pushes the suffix down.
    return { relativePath: name, initialContent: `\n${segment.rest}`, plan, expectedContent: `${typed}\n${segment.rest}` };
  });
}

/** Mean of the 1-minute load average, sampled while a session runs. */
class LoadSampler {
  private readonly samples: number[] = [os.loadavg()[0]];
  private readonly timer = setInterval(() => this.samples.push(os.loadavg()[0]), LOAD_SAMPLE_MS);

  stop(): { mean: number; max: number } {
    clearInterval(this.timer);
    this.samples.push(os.loadavg()[0]);
    return { mean: this.samples.reduce((a, b) => a + b, 0) / this.samples.length, max: Math.max(...this.samples) };
  }
}

async function warmUp(engine: Engine): Promise<void> {
  const response = await fetch(`${engine.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model: MODEL, prompt: 'const a = 1;\n', suffix: '\n', stream: false, options: { num_predict: 4, temperature: 0 } }),
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`engine warm-up failed: HTTP ${response.status}`);
}

function log(message: string): void {
  console.log(`[bench:e2e] ${message}`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  const repoRoot = findRepoRoot();
  for (const file of options.files) if (!fs.existsSync(path.resolve(repoRoot, file))) throw new Error(`no such file: ${file}`);
  const extensions: BenchExtension[] = options.extensions.map((id) => (id === 'tandem' ? tandemExtension(options.tandemSettings) : keystrokeBaseline(options.baselineTokens)));
  const startedAt = new Date();
  const runLoad = new LoadSampler();
  log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);

  const engine = await startEngine({ models: { [MODEL]: PRESET }, threads: 1 });
  const proxy = await RecordingProxy.start(engine.url);
  const stopAll = async (): Promise<void> => {
    await proxy.stop();
    await engine.stop();
  };
  const onSignal = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const runTimer = setTimeout(() => {
    console.error(`[bench:e2e] the run exceeded ${RUN_TIMEOUT_MS / 60_000} min; stopping`);
    void stopAll().finally(() => process.exit(2));
  }, RUN_TIMEOUT_MS);

  const rows: ReportRow[] = [];
  const sessions: { extension: string; mode: Mode; load: { mean: number; max: number }; result: SessionResult }[] = [];
  try {
    await warmUp(engine);
    log(`engine ${engine.url} (${PRESET}, 1 thread) behind recording proxy ${proxy.url}`);
    for (const mode of options.modes) {
      const files = sessionFiles(repoRoot, options, mode);
      for (const extension of extensions) {
        log(`${extension.label}, ${MODE_TITLES[mode]}: ${files.reduce((n, f) => n + f.plan.keystrokes.length, 0)} key presses in ${files.length} files`);
        const load = new LoadSampler();
        const result = await runSession({ repoRoot, extension, files, engine, proxy, log });
        const sessionLoad = load.stop();
        const metrics = modeMetrics(result.segments, result.ghosts, result.requests);
        rows.push({ extensionId: extension.id, extensionLabel: extension.label, mode, metrics, loadAverage: sessionLoad.mean });
        sessions.push({ extension: extension.id, mode, load: sessionLoad, result });
        const off = result.segments.filter((s) => !s.typedAsPlanned).map((s) => `${s.file} line ${s.firstDifference?.line}`);
        if (off.length > 0) log(`WARNING: typed text differs from the plan in ${off.join(', ')} (see the JSON)`);
      }
    }
  } finally {
    clearTimeout(runTimer);
    await stopAll();
  }

  const load = runLoad.stop();
  const output: string[] = [];
  for (const mode of options.modes) {
    const modeRows = rows.filter((r) => r.mode === mode);
    output.push('', `### ${MODE_TITLES[mode]}`, rhythmLines(modeRows), tableFor(modeRows), 'where the time went:', breakdownLines(modeRows));
    const tandem = modeRows.find((r) => r.extensionId === 'tandem');
    const baseline = modeRows.find((r) => r.extensionId === 'baseline');
    if (tandem && baseline) output.push(`baseline ÷ Tandem: ${ratioLine(tandem.metrics, baseline.metrics)}`);
    if (tandem) output.push(`Tandem vs issue 7 targets:`, targetLines(targetChecks(mode, tandem.metrics)));
  }
  output.push('', `load average (1 min) during the run: mean ${load.mean.toFixed(1)}, max ${load.max.toFixed(1)} on ${os.cpus().length} cores`);
  output.push('', 'Definitions:', ...DEFINITIONS.map((d) => `- ${d}`));
  console.log(output.join('\n'));

  const resultsDir = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `e2e-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    options,
    engine: { model: MODEL, preset: PRESET, threads: 1 },
    machine: { cpus: os.cpus().length, loadAverage: load },
    definitions: DEFINITIONS,
    rows: rows.map(({ metrics, ...row }) => ({ ...row, metrics, targets: row.extensionId === 'tandem' ? targetChecks(row.mode, metrics) : undefined })),
    sessions,
  };
  fs.writeFileSync(file, JSON.stringify(report, null, 1));
  log(`wrote ${path.relative(repoRoot, file)} in ${((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)} min`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
