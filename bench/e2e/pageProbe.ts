// Browser-side recorder for the e2e speed benchmark, injected into the workbench page. It stamps
// every keydown (capture phase, before the editor sees it) and every change of the ghost text with
// the page's own clock (performance.timeOrigin + performance.now()), so "last key → ghost text" is
// measured on one clock, free of the Playwright round trip. A MutationObserver catches the change
// in the same task as the editor's render, i.e. within a frame of the text being painted.
import type { Page } from 'playwright-core';
import type { GhostRecord, KeyRecord } from './metrics';

/** Bounds the recorder's memory in a runaway session. */
const MAX_RECORDS = 50_000;

/**
 * Ghost text as a person sees it: the inline part on the cursor's line (`.ghost-text-decoration`,
 * one span per syntax token) and the lines shown below it in a view zone (`.suggest-preview-text`).
 */
const PROBE_SCRIPT = `(() => {
  if (window.__tandemBench) return;
  const now = () => performance.timeOrigin + performance.now();
  const state = { recording: false, keys: [], ghosts: [], last: '' };
  window.__tandemBench = state;
  const readGhost = () => {
    const inline = Array.from(document.querySelectorAll('.view-lines .ghost-text-decoration'), (e) => e.textContent || '').join('');
    const below = Array.from(document.querySelectorAll('.suggest-preview-text .view-line'), (e) => e.textContent || '');
    return [inline, ...below].join('\\n').replace(/\\u00a0/g, ' ');
  };
  window.addEventListener('keydown', (event) => {
    if (state.recording && state.keys.length < ${MAX_RECORDS}) state.keys.push({ at: now(), key: event.key });
  }, true);
  new MutationObserver(() => {
    const text = readGhost();
    if (text === state.last || state.ghosts.length >= ${MAX_RECORDS}) return;
    state.last = text;
    state.ghosts.push({ at: now(), text });
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
})()`;

/** Records in the page's clock; `toLocal` converts them to this process's clock. */
export interface ProbeRecords {
  readonly keys: KeyRecord[];
  readonly ghosts: GhostRecord[];
}

export class PageProbe {
  /** page clock − process clock, in ms. */
  private offsetMs = 0;

  private constructor(private readonly page: Page) {}

  static async install(page: Page): Promise<PageProbe> {
    await page.evaluate(PROBE_SCRIPT);
    const probe = new PageProbe(page);
    await probe.alignClocks();
    return probe;
  }

  /**
   * Both clocks are the machine's wall clock, but the page's is fixed at navigation plus a
   * monotonic timer: measure the offset, keeping the sample with the shortest round trip.
   */
  async alignClocks(samples = 7): Promise<number> {
    let best = { roundTrip: Infinity, offset: 0 };
    for (let i = 0; i < samples; i++) {
      const before = Date.now();
      const pageNow = (await this.page.evaluate('performance.timeOrigin + performance.now()')) as number;
      const after = Date.now();
      if (after - before < best.roundTrip) best = { roundTrip: after - before, offset: pageNow - (before + after) / 2 };
    }
    this.offsetMs = best.offset;
    return best.offset;
  }

  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  /** Starts or stops recording key presses (ghost text is always recorded). */
  async recordKeys(on: boolean): Promise<void> {
    await this.page.evaluate(`window.__tandemBench.recording = ${on}`);
  }

  /** The page's time now, in this process's clock. */
  async now(): Promise<number> {
    return this.toLocal((await this.page.evaluate('performance.timeOrigin + performance.now()')) as number);
  }

  /** Takes the key presses recorded so far (they are removed from the page), and all ghost changes. */
  async take(): Promise<ProbeRecords> {
    const records = (await this.page.evaluate('(() => { const s = window.__tandemBench; const keys = s.keys; s.keys = []; return { keys, ghosts: s.ghosts }; })()')) as ProbeRecords;
    return {
      keys: records.keys.map((k) => ({ at: this.toLocal(k.at), key: k.key })),
      ghosts: records.ghosts.map((g) => ({ at: this.toLocal(g.at), text: g.text })),
    };
  }

  private toLocal(pageTime: number): number {
    return pageTime - this.offsetMs;
  }
}
