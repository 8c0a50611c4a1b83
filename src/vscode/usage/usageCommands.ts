import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { UsageCellJson } from '../../core/usage/cell';
import { usageCsv } from '../../core/usage/csv';
import type { LazyUsageLedger } from './lazyLedger';
import type { UsageDashboardPanel } from './usageDashboardPanel';
import type { UsagePricingReader } from './usagePricing';

export interface UsageCommandDeps {
  ledger: LazyUsageLedger;
  pricing: UsagePricingReader;
  dashboard: UsageDashboardPanel;
  workspaceId: () => string;
}

/** What `tandem.internal.usageSnapshot` returns: today's cells (all workspaces) by backend id. */
export interface UsageSnapshot {
  /** This window's workspace usage id. */
  workspace: string;
  day: string;
  byBackend: Record<string, UsageCellJson>;
}

/** Show, export and reset usage, and the hidden snapshot the extension-host tests read. */
export function registerUsageCommands(deps: UsageCommandDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('tandem.showUsage', () => deps.dashboard.show()),
    vscode.commands.registerCommand('tandem.exportUsage', () => exportUsage(deps)),
    vscode.commands.registerCommand('tandem.resetUsage', () => resetUsage(deps.ledger)),
    vscode.commands.registerCommand('tandem.internal.usageSnapshot', () => usageSnapshot(deps)),
  ];
}

/** Asks where to save, writes every stored period as CSV; resolves to the file written, or undefined when cancelled. */
async function exportUsage(deps: UsageCommandDeps): Promise<vscode.Uri | undefined> {
  const ledger = await deps.ledger.open();
  const name = `tandem-usage-${ledger.todayTotals().period}.csv`;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
  const target = await vscode.window.showSaveDialog({
    title: 'Export Tandem Usage',
    defaultUri: vscode.Uri.joinPath(folder, name),
    filters: { CSV: ['csv'] },
    saveLabel: 'Export',
  });
  if (!target) return undefined;
  const csv = usageCsv([...ledger.monthlyTotals(), ...ledger.dailyTotals()], deps.pricing.current().prices);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(csv));
  void vscode.window.showInformationMessage(`Tandem: usage exported to ${target.fsPath}.`);
  return target;
}

/** Forgets all recorded usage after a modal confirmation; resolves to whether it did. */
async function resetUsage(ledger: LazyUsageLedger): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    'Reset Tandem usage?',
    { modal: true, detail: 'This deletes the recorded tokens, latency, acceptance and cost figures of all workspaces on this machine. It cannot be undone; export them first if you want to keep them.' },
    'Reset Usage',
  );
  if (answer !== 'Reset Usage') return false;
  await ledger.reset();
  void vscode.window.showInformationMessage('Tandem: usage reset.');
  return true;
}

async function usageSnapshot(deps: UsageCommandDeps): Promise<UsageSnapshot> {
  const today = (await deps.ledger.open()).todayTotals();
  return {
    workspace: deps.workspaceId(),
    day: today.period,
    byBackend: Object.fromEntries([...today.byBackend].map(([backend, cell]) => [backend, cell.toJSON()])),
  };
}
