import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import type { DashboardHostMessage, DashboardWebviewMessage, UsageDashboardModel } from '../../core/usage/dashboard';
import { formatMs, formatTokens, formatUsd } from '../../core/usage/format';

// Only what the four charts use, so the rest of chart.js is left out of the bundle.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

interface VsCodeApi {
  postMessage(message: DashboardWebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** How a series is drawn besides its colour, so the charts read without colour. */
type Fill = 'solid' | 'stripes' | 'dots' | 'cross';

/** The theme's chart colours (VS Code's `--vscode-charts-*` variables), read again when the theme changes. */
interface Palette {
  foreground: string;
  lines: string;
  blue: string;
  orange: string;
  green: string;
  purple: string;
  font: string;
}

function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const css = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: css('--vscode-charts-foreground', css('--vscode-foreground', '#888')),
    lines: css('--vscode-charts-lines', 'rgba(128, 128, 128, 0.5)'),
    blue: css('--vscode-charts-blue', '#3794ff'),
    orange: css('--vscode-charts-orange', '#d18616'),
    green: css('--vscode-charts-green', '#89d185'),
    purple: css('--vscode-charts-purple', '#b180d7'),
    font: css('--vscode-font-family', 'sans-serif'),
  };
}

/** A colour as a fill with a pattern drawn over a lighter tint of it (solid stays plain). */
function fillOf(color: string, fill: Fill): string | CanvasPattern {
  if (fill === 'solid') return color;
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const ctx = tile.getContext('2d');
  if (!ctx) return color;
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.35;
  ctx.fillRect(0, 0, 8, 8);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  if (fill === 'stripes' || fill === 'cross') {
    ctx.moveTo(0, 8);
    ctx.lineTo(8, 0);
    ctx.moveTo(-2, 2);
    ctx.lineTo(2, -2);
    ctx.moveTo(6, 10);
    ctx.lineTo(10, 6);
  }
  if (fill === 'cross') {
    ctx.moveTo(0, 0);
    ctx.lineTo(8, 8);
  }
  ctx.stroke();
  if (fill === 'dots') {
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(4, 4, 1.8, 0, 2 * Math.PI);
    ctx.fill();
  }
  return ctx.createPattern(tile, 'repeat') ?? color;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`dashboard element #${id} is missing`);
  return found as T;
}

/** Fills a table: one header row and the given body rows (text only, never markup). */
function fillTable(id: string, header: string[], rows: string[][]): void {
  const table = element<HTMLTableElement>(id);
  const head = document.createElement('tr');
  for (const text of header) head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: text }));
  table.tHead?.replaceChildren(head);
  table.tBodies[0]?.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      cells.forEach((text, i) => tr.append(Object.assign(document.createElement(i === 0 ? 'th' : 'td'), { textContent: text })));
      return tr;
    }),
  );
}

function listItems(id: string, texts: string[]): void {
  element(id).replaceChildren(...texts.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
}

const optionalMs = (ms: number | null): string => (ms === null ? '–' : formatMs(ms));
const optionalPercent = (p: number | null): string => (p === null ? '–' : `${p}%`);
const optionalUsd = (usd: number | null): string => (usd === null ? 'no price' : formatUsd(usd));
const shortDay = (day: string): string => day.slice(5);

/** Renders the host's usage model into the charts, tables and text; rebuilds the charts when the theme changes. */
class UsageDashboard {
  private readonly charts = new Map<string, Chart>();
  private model: UsageDashboardModel | undefined;

  constructor(host: VsCodeApi) {
    element('export').addEventListener('click', () => host.postMessage({ type: 'command', command: 'export' }));
    element('reset').addEventListener('click', () => host.postMessage({ type: 'command', command: 'reset' }));
    window.addEventListener('message', (e: MessageEvent<DashboardHostMessage>) => {
      if (e.data?.type === 'usage') this.render(e.data.model);
    });
    // A theme change swaps the body's theme class (vscode-light, vscode-dark…) and rewrites the
    // `--vscode-*` variables on <html>, not necessarily in the same task: follow both.
    const themeChanged = new MutationObserver(() => this.redrawCharts());
    themeChanged.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    themeChanged.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
    host.postMessage({ type: 'ready' });
  }

  private render(model: UsageDashboardModel): void {
    this.model = model;
    const s = model.savings;
    element('range').textContent = `Last ${model.daily.length} day${model.daily.length === 1 ? '' : 's'}: ${model.from} to ${model.to}. Measured on this machine; nothing here leaves it.`;
    element('verdict').textContent = s.verdict;
    listItems('verdict-details', s.details);
    const totals: [string, string][] = [
      ['Local tokens', formatTokens(s.localTokens)],
      ['Cloud tokens', formatTokens(s.cloudTokens)],
      ['Cloud spend', formatUsd(s.cloudSpendUsd)],
      [`Cloud cost avoided (as ${s.avoidedModel})`, optionalUsd(s.avoidedUsd)],
    ];
    element('totals').replaceChildren(
      ...totals.map(([term, value]) => {
        const pair = document.createElement('div');
        pair.append(Object.assign(document.createElement('dt'), { textContent: term }), Object.assign(document.createElement('dd'), { textContent: value }));
        return pair;
      }),
    );
    element('today').textContent = model.today;
    listItems('notes', model.notes);
    this.fillTables(model);
    this.redrawCharts();
  }

  private fillTables(model: UsageDashboardModel): void {
    fillTable(
      'tokens-table',
      ['Day', 'Local tokens', 'Cloud tokens'],
      model.daily.map((d) => [d.day, String(d.localTokens), String(d.cloudTokens)]),
    );
    fillTable(
      'latency-table',
      ['Backend', 'Requests', 'First token p50', 'First token p95', 'Total p50', 'Total p95'],
      model.latency.map((b) => [`${b.route}: ${b.model}`, String(b.requests), optionalMs(b.ttftP50), optionalMs(b.ttftP95), optionalMs(b.totalP50), optionalMs(b.totalP95)]),
    );
    fillTable(
      'acceptance-table',
      ['Day', 'Shown', 'Accepted', 'Accepted %', 'Retained after 30 s %'],
      model.daily.map((d) => [d.day, String(d.shown), String(d.accepted), optionalPercent(d.acceptancePercent), optionalPercent(d.retainedPercent)]),
    );
    fillTable(
      'spend-table',
      ['Day', 'Cloud spend', 'Cloud cost avoided'],
      model.daily.map((d) => [d.day, formatUsd(d.cloudSpendUsd), optionalUsd(d.avoidedUsd)]),
    );
  }

  /** Draws every chart from the current model with the current theme's colours. */
  private redrawCharts(): void {
    const model = this.model;
    if (!model) return;
    const p = readPalette();
    Chart.defaults.color = p.foreground;
    Chart.defaults.borderColor = p.lines;
    Chart.defaults.font.family = p.font;
    const days = model.daily.map((d) => shortDay(d.day));
    const bar = (label: string, data: (number | null)[], color: string, fill: Fill, stack?: string) => ({
      type: 'bar' as const,
      label,
      data,
      backgroundColor: fillOf(color, fill),
      borderColor: color,
      borderWidth: 1,
      stack,
    });

    this.draw('tokens', {
      type: 'bar',
      data: {
        labels: days,
        datasets: [bar('Local (solid)', model.daily.map((d) => d.localTokens), p.blue, 'solid', 'tokens'), bar('Cloud (striped)', model.daily.map((d) => d.cloudTokens), p.orange, 'stripes', 'tokens')],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { callback: (v) => formatTokens(Number(v)) } } } },
    });

    this.draw('latency', {
      type: 'bar',
      data: {
        labels: model.latency.map((b) => `${b.route}: ${b.model}`),
        datasets: [
          bar('First token p50 (solid)', model.latency.map((b) => b.ttftP50), p.blue, 'solid'),
          bar('First token p95 (striped)', model.latency.map((b) => b.ttftP95), p.blue, 'stripes'),
          bar('Total p50 (dotted)', model.latency.map((b) => b.totalP50), p.purple, 'dots'),
          bar('Total p95 (cross-hatched)', model.latency.map((b) => b.totalP95), p.purple, 'cross'),
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'milliseconds' } } } },
    });

    this.draw('acceptance', {
      type: 'line',
      data: {
        labels: days,
        datasets: [
          { label: 'Accepted % of shown (solid, circles)', data: model.daily.map((d) => d.acceptancePercent), borderColor: p.green, backgroundColor: p.green, pointStyle: 'circle', pointRadius: 4, spanGaps: true },
          { label: 'Retained % after 30 s (dashed, triangles)', data: model.daily.map((d) => d.retainedPercent), borderColor: p.purple, backgroundColor: p.purple, borderDash: [6, 4], pointStyle: 'triangle', pointRadius: 5, spanGaps: true },
        ],
      },
      options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } } },
    });

    this.draw('spend', {
      type: 'bar',
      data: {
        labels: days,
        datasets: [bar('Cloud spend (striped)', model.daily.map((d) => d.cloudSpendUsd), p.orange, 'stripes'), bar('Cloud cost avoided (solid)', model.daily.map((d) => d.avoidedUsd), p.green, 'solid')],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { callback: (v) => formatUsd(Number(v)) } } } },
    });
  }

  /** Replaces a chart (cheap at this size, and it picks up theme colours without tracking them per dataset). */
  private draw(id: string, config: ChartConfiguration<'bar' | 'line'>): void {
    this.charts.get(id)?.destroy();
    const canvas = element<HTMLCanvasElement>(`${id}-chart`);
    config.options = {
      ...config.options,
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      // Line series differ by point shape as well as by dash: show the shapes in the legend.
      plugins: { legend: { labels: { usePointStyle: config.type === 'line' } } },
    };
    this.charts.set(id, new Chart(canvas, config));
  }
}

new UsageDashboard(acquireVsCodeApi());
