import { webviewPage, type WebviewPageSources } from '../pageShell';

/** One chart with its heading, a text alternative and the same numbers as a table. */
function chartSection(id: string, title: string, description: string): string {
  return `<section class="chart" aria-labelledby="${id}-title">
  <h2 id="${id}-title">${title}</h2>
  <p class="description" id="${id}-description">${description}</p>
  <div class="canvas-box"><canvas id="${id}-chart" role="img" aria-describedby="${id}-description"></canvas></div>
  <details class="data">
    <summary>Data table</summary>
    <table id="${id}-table" aria-labelledby="${id}-title"><thead></thead><tbody></tbody></table>
  </details>
</section>`;
}

/**
 * The usage dashboard's markup (the element ids `main.ts` binds to). Only this load's script runs;
 * styles come only from the extension; nothing else may load.
 */
export function usagePage(sources: WebviewPageSources): string {
  return webviewPage(sources, {
    title: 'Tandem Usage',
    body: `<main class="usage">
  <header class="top">
    <div>
      <h1>Tandem usage</h1>
      <p id="range" class="range">Loading usage…</p>
    </div>
    <div class="actions">
      <button type="button" id="export">Export CSV…</button>
      <button type="button" id="reset" class="secondary">Reset…</button>
    </div>
  </header>
  <section class="verdict" aria-labelledby="verdict-title">
    <h2 id="verdict-title">Local or cloud: the verdict</h2>
    <p id="verdict" class="verdict-text"></p>
    <ul id="verdict-details"></ul>
    <dl id="totals" class="totals"></dl>
    <p id="today" class="today"></p>
    <ul id="notes" class="notes"></ul>
  </section>
  <div class="grid">
${chartSection('tokens', 'Tokens per day: local vs cloud', 'Prompt plus completion tokens per day, stacked: local as solid bars, cloud as striped bars.')}
${chartSection('latency', 'Latency per backend', 'Median (p50) and 95th percentile (p95) of time to first token and total time, in milliseconds, per backend.')}
${chartSection('acceptance', 'Suggestion acceptance over time', 'Per day: the share of shown suggestions that were accepted (solid line, circles), and the share of accepted characters still present 30 seconds later (dashed line, triangles).')}
${chartSection('spend', 'Cloud spend vs cloud cost avoided', 'Per day, in US dollars: what the cloud requests cost (striped bars) and what the local tokens would have cost on the configured cloud model (solid bars).')}
  </div>
</main>`,
  });
}
