// The e2e speed benchmark's printed report: the table per mode, the ratios against the baseline,
// Tandem's targets from issue 7, and what each column means.
import type { ModeMetrics } from './metrics';
import type { Mode } from './speedSession';

export interface ReportRow {
  readonly extensionId: string;
  readonly extensionLabel: string;
  readonly mode: Mode;
  readonly metrics: ModeMetrics;
  /** Mean 1-minute load average while the session ran. */
  readonly loadAverage: number;
}

export const MODE_TITLES: Record<Mode, string> = {
  'new-file': 'new file',
  suffix: 'typing at the top of a file with a 3 kB suffix',
};

export const DEFINITIONS = [
  'model requests /100 typed chars: /api/generate requests that reached the engine during the typing windows, per 100 key presses (characters, Enter, indentation spaces and Backspaces). "+N other" counts other engine requests (e.g. /api/show, /api/tags) in the same windows.',
  'pauses with ghost text: pauses (the 0.6-1.2 s after each Enter, up to the next key) in which the ghost text changed to something visible (not only whitespace).',
  'latency last key -> ghost text: from the Enter keydown to that change, both stamped in the page (performance.timeOrigin + now(), keydown in capture phase, MutationObserver on the editor DOM); p50/p95 by nearest rank over the pauses that showed text.',
  'tokens generated but never shown: generated tokens (engine log) of completion requests whose answer never became visible ghost text, over all generated tokens of the requests in the windows. Each visible ghost-text change is credited to the latest request whose answer (copied by a pass-through proxy) had begun to arrive and contains the shown text.',
  'engine busy while typing: time the model worked inside the typing windows over the windows\' wall time. The engine runs one request at a time in arrival order, so each request holds the model from max(its arrival, the previous request\'s stop) to its stop (engine log), clipped to the windows. A window runs from the first keydown of a file to the end of the pause after its last Enter.',
];

function percent(fraction: number | null): string {
  return fraction === null ? 'n/a' : `${Math.round(fraction * 100)} %`;
}

function ms(value: number | null): string {
  return value === null ? 'n/a' : `${Math.round(value)}`;
}

function requestsCell(m: ModeMetrics): string {
  const other = Object.values(m.otherRequests).reduce((a, b) => a + b, 0);
  return `${m.completionRequestsPer100Chars.toFixed(1)}${other > 0 ? ` (+${other} other)` : ''}`;
}

export function tableFor(rows: readonly ReportRow[]): string {
  const lines = [
    '| extension | model requests /100 typed chars | pauses with ghost text | latency last key → ghost text p50 / p95 | tokens generated but never shown | engine busy while typing | load avg |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const { extensionLabel, metrics: m, loadAverage } of rows) {
    lines.push(`| ${extensionLabel} | ${requestsCell(m)} | ${m.pausesWithGhostText}/${m.pauses} | ${ms(m.latencyP50Ms)} / ${ms(m.latencyP95Ms)} ms | ${percent(m.tokensNeverShownFraction)} (${m.tokensNeverShown}/${m.tokensGenerated}) | ${percent(m.engineBusyFraction)} | ${loadAverage.toFixed(1)} |`);
  }
  return lines.join('\n');
}

/** What was typed, and the rhythm the page actually saw (a loaded machine slows key dispatch). */
export function rhythmLines(rows: readonly ReportRow[]): string {
  return rows
    .map(({ extensionLabel, metrics: m }) => `${extensionLabel}: ${m.typedKeystrokes} key presses, ${m.pauses} pauses; seen by the page: key gap ${Math.round(m.meanKeyGapMs)} ms, pause ${Math.round(m.meanPauseMs)} ms (mean), ${(m.typingMs / 1000).toFixed(0)} s of typing`)
    .join('\n');
}

/** Where the latency of each extension went, and how many pauses needed no new request. */
export function breakdownLines(rows: readonly ReportRow[]): string {
  return rows
    .map(({ extensionLabel, metrics: m }) => {
      const b = m.latencyBreakdownP50;
      const parts = b ? `Enter → request at engine ${ms(b.enterToRequestMs)} ms, → first answer text ${ms(b.requestToFirstTextMs)} ms, → on screen ${ms(b.firstTextToScreenMs)} ms (p50 of each)` : 'no pause answered by a new request';
      const prompt = m.promptTokensP50 === null ? '' : `; prompt ${m.promptTokensP50} tokens, ${m.evaluatedPromptTokensP50} evaluated (p50)`;
      return `  ${extensionLabel}: ${parts}; ${m.pausesServedFromEarlierAnswers} pauses shown from an earlier answer; ${m.abortedRequests} requests cancelled${prompt}`;
    })
    .join('\n');
}

function ratio(numerator: number | null, denominator: number | null): string {
  if (numerator === null || denominator === null || denominator === 0) return 'n/a';
  return `${(numerator / denominator).toFixed(1)}x`;
}

/** Baseline ÷ Tandem for the load each puts on the engine (above 1: the baseline costs more); latencies side by side. */
export function ratioLine(tandem: ModeMetrics, baseline: ModeMetrics): string {
  return [
    `model requests ${ratio(baseline.completionRequestsPer100Chars, tandem.completionRequestsPer100Chars)}`,
    `tokens generated ${ratio(baseline.tokensGenerated, tandem.tokensGenerated)}`,
    `tokens never shown ${ratio(baseline.tokensNeverShown, tandem.tokensNeverShown)}`,
    `engine busy ${ratio(baseline.engineBusyFraction, tandem.engineBusyFraction)}`,
    `latency p50 Tandem ${ms(tandem.latencyP50Ms)} vs baseline ${ms(baseline.latencyP50Ms)} ms`,
    `pauses with text ${tandem.pausesWithGhostText}/${tandem.pauses} vs ${baseline.pausesWithGhostText}/${baseline.pauses}`,
  ].join('; ');
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Tandem's targets from issue 7 for one mode. */
export function targetChecks(mode: Mode, m: ModeMetrics): TargetCheck[] {
  const le = (value: number | null, limit: number): boolean => value !== null && value <= limit;
  if (mode === 'suffix') {
    return [
      { target: 'ghost text in all pauses but one', measured: `${m.pausesWithGhostText}/${m.pauses}`, met: m.pausesWithGhostText >= m.pauses - 1 },
      { target: 'latency p50 <= 300 ms', measured: `${ms(m.latencyP50Ms)} ms`, met: le(m.latencyP50Ms, 300) },
    ];
  }
  const other = Object.values(m.otherRequests).reduce((a, b) => a + b, 0);
  return [
    { target: 'ghost text in every pause', measured: `${m.pausesWithGhostText}/${m.pauses}`, met: m.pauses > 0 && m.pausesWithGhostText === m.pauses },
    { target: 'latency p50 <= 120 ms', measured: `${ms(m.latencyP50Ms)} ms`, met: le(m.latencyP50Ms, 120) },
    { target: 'latency p95 <= 250 ms', measured: `${ms(m.latencyP95Ms)} ms`, met: le(m.latencyP95Ms, 250) },
    { target: '<= 8 model requests /100 chars', measured: m.completionRequestsPer100Chars.toFixed(1), met: m.completionRequestsPer100Chars <= 8 },
    { target: 'no other per-completion requests', measured: `${other} other`, met: other === 0 },
    { target: 'tokens never shown <= 10 %', measured: percent(m.tokensNeverShownFraction), met: le(m.tokensNeverShownFraction, 0.1) },
    { target: 'engine busy <= 15 %', measured: percent(m.engineBusyFraction), met: m.engineBusyFraction <= 0.15 },
  ];
}

export function targetLines(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `  [${c.met ? 'met' : 'MISSED'}] ${c.target}: ${c.measured}`).join('\n');
}
