// Completion scheduler benchmark: `npm run bench -- [--files a.ts b.py] [--chars 110] [--seed 7]`.
// Replays typing sessions in real time through the real CompletionEngine (and, as the baseline, a
// naive one-request-per-keystroke scheduler) against two local models over Ollama's HTTP API:
//   - the loopback engine's generated 20m model (real llama.cpp timing, meaningless text), and
//   - an oracle that streams the true continuation at a real model's speed (it exercises the
//     scheduler: acceptance, typing through, cache; it says nothing about model quality).
// Prints a table and writes bench/results/completion-<timestamp>.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OllamaBackend } from '../src/backends/ollama';
import { CompletionEngine, DEFAULT_COMPLETION_SETTINGS, type CompletionEvent } from '../src/core/completion/engine';
import { resolveFimFormat, type FimFormat } from '../src/core/completion/templates';
import { systemClock } from '../src/core/net/clock';
import { findRepoRoot } from '../test/engine/gguf/model-cache';
import { startEngine, type RequestLogEntry } from '../test/engine/server';
import { seededRandom } from '../test/support/seededRandom';
import { OracleEngine, type OracleSpeed } from './oracleEngine';
import { HumanRhythm, NaiveScheduler, RecordingModel, replay, SessionTruth, sessionFrom, sleep, TandemScheduler, type ReplayLog, type ReplayScheduler, type TypingSession } from './replay';

const MODEL = 'qwen2.5-coder:1.5b-base';
const DEFAULT_FILES = ['node_modules/ollama/src/utils.ts', 'node_modules/picomatch/lib/parse.js', 'node_modules/code-server/lib/vscode/node_modules/node-pty/deps/winpty/ship/make_msvc_package.py'];
const LANGUAGES: Record<string, string> = { '.ts': 'typescript', '.js': 'javascript', '.py': 'python', '.go': 'go', '.rs': 'rust', '.java': 'java' };
/** Imitates a 1.5B code model served by Ollama on a laptop GPU; prompt tokens shared with the previous prompt are reused. */
const ORACLE_SPEED: OracleSpeed = { promptTokensPerSecond: 2000, generatedTokensPerSecond: 60, overheadMs: 15 };
const DRAIN_MS = 15_000;

interface Args {
  files: string[];
  chars: number;
  seed: number;
  models: ModelMode[];
  schedulers: SchedulerKind[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { files: [], chars: 110, seed: 7, models: ['engine-20m', 'oracle'], schedulers: ['tandem', 'naive'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--files') while (argv[i + 1] && !argv[i + 1]!.startsWith('--')) args.files.push(argv[++i]!);
    else if (a === '--chars') args.chars = Number(argv[++i]);
    else if (a === '--seed') args.seed = Number(argv[++i]);
    else if (a === '--models') args.models = argv[++i]!.split(',') as ModelMode[];
    else if (a === '--schedulers') args.schedulers = argv[++i]!.split(',') as SchedulerKind[];
    else throw new Error(`unknown argument ${a}; use --files a.ts b.py, --chars N (per file), --seed N, --models engine-20m,oracle, --schedulers tandem,naive`);
  }
  if (args.files.length === 0) args.files = DEFAULT_FILES.map((f) => path.join(findRepoRoot(), f));
  return args;
}

type ModelMode = 'engine-20m' | 'oracle';
type SchedulerKind = 'tandem' | 'naive';

interface PhaseResult {
  model: ModelMode;
  scheduler: SchedulerKind;
  typedChars: number;
  acceptedChars: number;
  modelCalls: number;
  callsPer100Chars: number;
  hits: Record<string, number>;
  accepted: number;
  callsWhileTypingThrough: number;
  typingThroughKeystrokes: number;
  missLatencyMs: Summary;
  missEngineMs: Summary;
  missRatio: Summary;
  hitLatencyMs: Summary;
  neverShownTokenShare: number;
  /** Tokens of requests the scheduler stopped as stale (superseded), of all generated. */
  supersededTokenShare: number;
  generatedTokens: number;
  staleStopMs: Summary;
  /** The part of `staleStopMs` where the engine was still evaluating the prompt (it checks between prompt chunks). */
  staleStopPromptEvalMs: Summary;
  staleRequests: number;
  /** How the scheduler's model requests ended (the naive one never stops a request). */
  outcomes: Record<string, number>;
  /** Per model request, for a closer look: what the client and the server saw. */
  requests: { id: number; keystroke: number; sentAt: number; outcome?: string; settledAt?: number; shown: boolean; promptTokens?: number; reusedTokens?: number; generatedTokens?: number; arrivedAt?: number; firstTokenMs?: number; stoppedAt?: number; aborted?: boolean }[];
}

interface Summary {
  n: number;
  p50: number | null;
  p95: number | null;
}

function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : null);
  return { n: sorted.length, p50: at(0.5), p95: at(0.95) };
}

/** The model's own time on a request: from when it got the model slot to when it had what the client took. */
function engineTime(entry: RequestLogEntry, previous: RequestLogEntry | undefined): number | undefined {
  const end = entry.aborted ? entry.abortedAt : entry.serverMs === undefined ? undefined : entry.arrivedAt + entry.serverMs;
  if (end === undefined) return undefined;
  const slotFreeAt = previous?.stoppedAt ?? 0;
  return end - Math.max(entry.arrivedAt, Math.min(slotFreeAt, end));
}

function generateEntries(entries: RequestLogEntry[]): RequestLogEntry[] {
  return entries.filter((e) => e.path === '/api/generate' && e.body.includes('"prompt":"') && !e.body.includes('"prompt":"",'));
}

/** Pairs each sent request with the server's log entry carrying the same prompt and suffix, in order. */
function matchEntries(model: RecordingModel, entries: RequestLogEntry[]): (RequestLogEntry | undefined)[] {
  const used = new Set<number>();
  return model.sent.map((sent) => {
    const entry = entries.find((e) => {
      if (used.has(e.id)) return false;
      const body = JSON.parse(e.body) as { prompt?: string; suffix?: string };
      return body.prompt === sent.prompt && (sent.suffix === undefined || body.suffix === (sent.suffix || '\n'));
    });
    if (entry) used.add(entry.id);
    return entry;
  });
}

interface ModelServer {
  url: string;
  requests(): RequestLogEntry[];
  clearLog(): void;
}

async function runPhase(mode: ModelMode, kind: SchedulerKind, server: ModelServer, format: FimFormat, sessions: TypingSession[], truth: SessionTruth, seed: number): Promise<PhaseResult> {
  server.clearLog();
  const model = new RecordingModel(new OllamaBackend(server.url));
  const rhythm = new HumanRhythm(seededRandom(seed));
  const events: { at: number; event: CompletionEvent }[] = [];
  let scheduler: ReplayScheduler;
  let engine: CompletionEngine | undefined;
  let naive: NaiveScheduler | undefined;
  if (kind === 'tandem') {
    engine = new CompletionEngine({ model, clock: systemClock, isAllowedAsContext: () => true }, { ...DEFAULT_COMPLETION_SETTINGS, model: MODEL, format });
    engine.onEvent((event) => events.push({ at: Date.now(), event }));
    scheduler = new TandemScheduler(engine);
  } else {
    naive = new NaiveScheduler(model, MODEL, format, DEFAULT_COMPLETION_SETTINGS.maxTokens, DEFAULT_COMPLETION_SETTINGS.maxLines);
    scheduler = naive;
  }
  const log: ReplayLog = { keystrokes: [], shown: [], typedChars: 0, acceptedChars: 0 };
  for (const session of sessions) {
    truth.use(session);
    const calls = await replay(session, scheduler, rhythm, model, truth, log);
    const drained = await Promise.race([Promise.all(calls).then(() => true), sleep(DRAIN_MS).then(() => false)]);
    if (!drained) naive?.giveUp.abort();
    await sleep(300);
  }
  engine?.dispose();
  truth.use(undefined);
  // Let the server record the last stops.
  for (let i = 0; i < 100 && generateEntries(server.requests()).some((e) => e.stoppedAt === undefined); i++) await sleep(50);

  const entries = generateEntries(server.requests());
  const matched = matchEntries(model, entries);
  const byRequestId = (id: number) => matched[id - 1];
  const previousOf = (entry: RequestLogEntry) => entries[entries.indexOf(entry) - 1];

  const shownRequests = new Set(log.shown.map((s) => s.requestId).filter((id): id is number => id !== undefined));
  let generated = 0;
  let neverShown = 0;
  matched.forEach((entry, index) => {
    const tokens = entry?.generatedTokens ?? 0;
    generated += tokens;
    if (!shownRequests.has(index + 1)) neverShown += tokens;
  });

  const missLatency: number[] = [];
  const missEngine: number[] = [];
  const missRatio: number[] = [];
  const hitLatency: number[] = [];
  const hits: Record<string, number> = {};
  for (const shown of log.shown) {
    hits[shown.source] = (hits[shown.source] ?? 0) + 1;
    if (shown.source !== 'model') {
      hitLatency.push(shown.latencyMs);
      continue;
    }
    const entry = byRequestId(shown.requestId!);
    const sent = model.sent[shown.requestId! - 1];
    if (!entry || !sent) continue;
    const engineMs = engineTime(entry, previousOf(entry));
    if (engineMs === undefined) continue;
    const waitMs = sent.sentAt - log.keystrokes[shown.keystroke]!.at;
    missLatency.push(shown.latencyMs);
    missEngine.push(engineMs);
    missRatio.push(shown.latencyMs / Math.max(1, waitMs + engineMs));
  }

  const staleStop: number[] = [];
  const staleStopPromptEval: number[] = [];
  if (kind === 'tandem') {
    for (const { at, event } of events) {
      if (event.type !== 'requestFinished' || event.outcome !== 'superseded') continue;
      const entry = byRequestId(event.requestId);
      if (entry?.stoppedAt === undefined) continue;
      staleStop.push(entry.stoppedAt - at);
      if (!entry.generatedTokens) staleStopPromptEval.push(entry.stoppedAt - at);
    }
  } else {
    for (const done of naive!.finished) {
      const next = log.keystrokes[done.keystroke + 1];
      const stoppedAt = byRequestId(done.requestId)?.stoppedAt;
      if (next && stoppedAt !== undefined && stoppedAt > next.at) staleStop.push(stoppedAt - next.at);
    }
  }

  const outcomes: Record<string, number> = {};
  const settled = new Map<number, { outcome: string; at: number }>();
  for (const { at, event } of events) {
    if (event.type !== 'requestFinished') continue;
    outcomes[event.outcome] = (outcomes[event.outcome] ?? 0) + 1;
    settled.set(event.requestId, { outcome: event.outcome, at });
  }
  const requests = model.sent.map((sent, index) => {
    const entry = matched[index];
    const end = settled.get(index + 1);
    return {
      id: index + 1,
      keystroke: sent.keystroke,
      sentAt: sent.sentAt,
      outcome: end?.outcome,
      settledAt: end?.at,
      shown: shownRequests.has(index + 1),
      promptTokens: entry?.promptTokens,
      reusedTokens: entry?.reusedTokens,
      generatedTokens: entry?.generatedTokens,
      arrivedAt: entry?.arrivedAt,
      firstTokenMs: entry?.firstTokenMs,
      stoppedAt: entry?.stoppedAt,
      aborted: entry?.aborted,
    };
  });
  const typingThrough = new Set(log.keystrokes.flatMap((k, i) => (k.typingThrough ? [i] : [])));
  return {
    model: mode,
    scheduler: kind,
    typedChars: log.typedChars,
    acceptedChars: log.acceptedChars,
    modelCalls: model.sent.length,
    callsPer100Chars: (100 * model.sent.length) / Math.max(1, log.typedChars),
    hits,
    accepted: log.shown.filter((s) => s.accepted).length,
    callsWhileTypingThrough: model.sent.filter((s) => typingThrough.has(s.keystroke)).length,
    typingThroughKeystrokes: typingThrough.size,
    missLatencyMs: summarize(missLatency),
    missEngineMs: summarize(missEngine),
    missRatio: summarize(missRatio),
    hitLatencyMs: summarize(hitLatency),
    neverShownTokenShare: generated ? neverShown / generated : 0,
    supersededTokenShare: generated ? requests.filter((r) => r.outcome === 'superseded').reduce((n, r) => n + (r.generatedTokens ?? 0), 0) / generated : 0,
    generatedTokens: generated,
    staleStopMs: summarize(staleStop),
    staleStopPromptEvalMs: summarize(staleStopPromptEval),
    staleRequests: staleStop.length,
    outcomes,
    requests,
  };
}

const fmt = (v: number | null, digits = 0) => (v === null ? '–' : v.toFixed(digits));

function table(results: PhaseResult[]): string {
  const rows: [string, (r: PhaseResult) => string, string][] = [
    ['typed chars (keys) / accepted chars', (r) => `${r.typedChars} / ${r.acceptedChars}`, ''],
    ['model calls per 100 typed chars', (r) => fmt(r.callsPer100Chars, 1), '≤ 15'],
    ['shown: model / cache / typing-through / in-flight', (r) => ['model', 'cache', 'typing-through', 'in-flight'].map((s) => r.hits[s] ?? 0).join(' / '), ''],
    ['suggestions accepted', (r) => String(r.accepted), ''],
    ['requests ended: enough/completed/superseded/timeout/failed', (r) => ['enough', 'completed', 'superseded', 'timeout', 'failed'].map((o) => r.outcomes[o] ?? 0).join('/'), ''],
    ['calls while typing through (keys)', (r) => `${r.callsWhileTypingThrough} (${r.typingThroughKeystrokes})`, '0'],
    ['miss: key→suggestion ms p50/p95', (r) => `${fmt(r.missLatencyMs.p50)} / ${fmt(r.missLatencyMs.p95)} (n=${r.missLatencyMs.n})`, ''],
    ['miss: engine ms p50/p95', (r) => `${fmt(r.missEngineMs.p50)} / ${fmt(r.missEngineMs.p95)}`, ''],
    ['miss: ratio to debounce+engine p50/p95', (r) => `${fmt(r.missRatio.p50, 2)} / ${fmt(r.missRatio.p95, 2)}`, '≤ 1.05'],
    ['hit: key→suggestion ms p50/p95', (r) => `${fmt(r.hitLatencyMs.p50)} / ${fmt(r.hitLatencyMs.p95)} (n=${r.hitLatencyMs.n})`, ''],
    ['never-shown tokens (of generated)', (r) => `${(100 * r.neverShownTokenShare).toFixed(1)} % of ${r.generatedTokens}`, '≤ 10 %'],
    ['  of which stopped as stale (superseded)', (r) => `${(100 * r.supersededTokenShare).toFixed(1)} %`, ''],
    ['stale request stopped after ms p50/p95', (r) => `${fmt(r.staleStopMs.p50)} / ${fmt(r.staleStopMs.p95)} (n=${r.staleRequests})`, '≤ 50'],
    ['  of which during prompt evaluation', (r) => `${fmt(r.staleStopPromptEvalMs.p50)} / ${fmt(r.staleStopPromptEvalMs.p95)} (n=${r.staleStopPromptEvalMs.n})`, ''],
  ];
  const header = ['metric', ...results.map((r) => `${r.model} ${r.scheduler}`), 'target'];
  const lines = [header, ...rows.map(([name, cell, target]) => [name, ...results.map(cell), target])];
  const widths = header.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines.map((l) => l.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')).join('\n');
}

async function formatOf(url: string): Promise<FimFormat> {
  const backend = new OllamaBackend(url);
  const format = resolveFimFormat({ modelName: MODEL, show: await backend.show(MODEL, AbortSignal.timeout(10_000)) });
  await backend.warmUp(MODEL, AbortSignal.timeout(60_000));
  return format;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const random = seededRandom(args.seed);
  const sessions = args.files.map((file) => sessionFrom(path.basename(file), LANGUAGES[path.extname(file)] ?? 'plaintext', fs.readFileSync(file, 'utf8'), args.chars, random));
  const started = Date.now();
  console.log(`Typing ${sessions.reduce((n, s) => n + s.end - s.start, 0)} characters per phase from ${sessions.map((s) => s.name).join(', ')}, in real time (keys 60–150 ms apart, 0.5–1.5 s pauses at line ends, seed ${args.seed}).`);
  console.log(`Oracle: streams the true continuation at ${ORACLE_SPEED.generatedTokensPerSecond} tokens/s after ${ORACLE_SPEED.promptTokensPerSecond} prompt tokens/s (prefix reuse); it exercises the scheduler, not model quality.`);

  const engine = await startEngine({ models: { [MODEL]: '20m' }, threads: 1 });
  const oracle = new OracleEngine(MODEL, ORACLE_SPEED);
  await oracle.listen();
  const truth = new SessionTruth();
  oracle.setTruth(truth);
  const results: PhaseResult[] = [];
  try {
    for (const [mode, server] of [['engine-20m', engine], ['oracle', oracle]] as const) {
      if (!args.models.includes(mode)) continue;
      const format = await formatOf(server.url);
      for (const kind of args.schedulers) {
        const phaseStart = Date.now();
        results.push(await runPhase(mode, kind, server, format, sessions, truth, args.seed + 1));
        console.log(`  ${mode} ${kind}: ${((Date.now() - phaseStart) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    await oracle.stop();
    await engine.stop();
  }
  console.log(`\n${table(results)}\n`);
  console.log('miss = a new model request answered the keystroke; hit = cache, typing through, or an in-flight stream. Engine ms: from the request getting the model slot to the server sending what the client used (the client\'s abort after the first line, or the end).');
  const outDir = path.join(findRepoRoot(), 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `completion-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ startedAt: new Date(started).toISOString(), durationS: (Date.now() - started) / 1000, args, oracleSpeed: ORACLE_SPEED, sessions: sessions.map((s) => ({ name: s.name, chars: s.end - s.start })), results }, null, 2)}\n`);
  console.log(`Wrote ${path.relative(process.cwd(), file)} (${((Date.now() - started) / 1000).toFixed(0)} s).`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
