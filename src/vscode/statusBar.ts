import * as vscode from 'vscode';
import { LocalEngineUnreachableError } from '../backends/ollama';
import { classifyEndpoint, hostMatches, hostnameOf } from '../core/egress/hosts';
import type { PolicySnapshot } from '../core/policy/effectivePolicy';

type EngineState = { kind: 'unknown' } | { kind: 'online'; version?: string; lastLatencyMs?: number } | { kind: 'offline'; reason: string };

/** What the status bar needs of the workspace policy (the policy adapter provides it). */
export interface StatusBarPolicy {
  current(): PolicySnapshot;
  /** True while policy files are still being read. */
  readonly loading: boolean;
  readonly onDidChange: vscode.Event<PolicySnapshot>;
}

/** The endpoints the tooltip names, from the user-level settings. */
export interface StatusBarEndpoints {
  localHost: string;
  trustedHosts: readonly string[];
  chatLocalModel: string;
  cloudBaseUrl: string;
  cloudModel: string;
  allowedCloudHosts: readonly string[];
}

export interface StatusBarOptions {
  readonly policy: StatusBarPolicy;
  readonly endpoints: () => StatusBarEndpoints;
  /** Today's usage in one line (provided by the usage ledger); undefined hides the line. */
  readonly usageSummary?: () => string | undefined;
}

const WARNING_BACKGROUND = new vscode.ThemeColor('statusBarItem.warningBackground');

/**
 * The one status-bar item: where the next chat request goes and why, whether the repository
 * locks that, the local engine's health and the running completion. Clicking runs
 * `tandem.toggleLocalOnly` (which explains instead of toggling when another layer decides).
 */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[];
  private engine: EngineState = { kind: 'unknown' };
  private runningRequests = 0;

  constructor(private readonly options: StatusBarOptions) {
    this.item = vscode.window.createStatusBarItem('tandem.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Tandem';
    this.item.command = 'tandem.toggleLocalOnly';
    this.subscriptions = [
      options.policy.onDidChange(() => this.refresh()),
      // For the extension-host tests: what the item shows (the workbench DOM is out of their reach).
      vscode.commands.registerCommand('tandem.internal.statusBarState', () => ({
        text: this.item.text,
        tooltip: (this.item.tooltip as vscode.MarkdownString).value,
        warning: this.item.backgroundColor !== undefined,
      })),
    ];
    this.refresh();
    this.item.show();
  }

  engineOnline(version?: string): void {
    this.engine = { kind: 'online', version, lastLatencyMs: this.engine.kind === 'online' ? this.engine.lastLatencyMs : undefined };
    this.refresh();
  }

  engineAnswered(latencyMs: number): void {
    this.engine = { kind: 'online', version: this.engine.kind === 'online' ? this.engine.version : undefined, lastLatencyMs: latencyMs };
    this.refresh();
  }

  engineFailed(error: unknown): void {
    const reason = LocalEngineUnreachableError.is(error) ? 'not reachable' : String((error as Error)?.message ?? error);
    this.engine = { kind: 'offline', reason };
    this.refresh();
  }

  /** A completion request to the local engine started: the item spins until every started one finished. */
  requestStarted(): void {
    this.runningRequests++;
    this.refresh();
  }

  requestFinished(): void {
    this.runningRequests = Math.max(0, this.runningRequests - 1);
    this.refresh();
  }

  /** Renders again (settings or usage changed). */
  refresh(): void {
    const snapshot = this.options.policy.current();
    const workspace = snapshot.workspace;
    const endpoints = this.options.endpoints();
    const loading = this.options.policy.loading;
    const policyError = !loading && workspace.layer === 'policy-error';
    const offline = this.engine.kind === 'offline';
    const localHostTrusted = classifyEndpoint(endpoints.localHost, endpoints.trustedHosts) === 'local';

    const parts = [workspace.allowCloud ? '$(cloud) Hybrid' : '$(lock) Local'];
    if (policyError) parts.push('$(error) policy error');
    else if (workspace.layer === 'repo-policy') parts.push('(policy)');
    if (!localHostTrusted) parts.push('$(circle-slash) host not trusted');
    else if (offline) parts.push('$(warning) engine offline');
    if (this.runningRequests > 0) parts.push('$(loading~spin)');
    this.item.text = parts.join(' ');
    this.item.backgroundColor = policyError || (offline && localHostTrusted) ? WARNING_BACKGROUND : undefined;
    this.item.accessibilityInformation = { label: `Tandem: ${workspace.reason}` };
    this.item.tooltip = this.tooltip(snapshot, endpoints, loading, localHostTrusted);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }

  private tooltip(snapshot: PolicySnapshot, endpoints: StatusBarEndpoints, loading: boolean, localHostTrusted: boolean): vscode.MarkdownString {
    const workspace = snapshot.workspace;
    const tooltip = new vscode.MarkdownString(undefined, true);
    const line = (text: string): void => void tooltip.appendMarkdown(`${text}\n\n`);
    line(`**Tandem — ${workspace.allowCloud ? 'hybrid' : 'local-only'}**`);
    if (loading) line('$(loading~spin) Reading the repository policy files; local-only until they are read.');
    line(`**Next chat request:** ${escape(nextChatDestination(workspace, endpoints))}`);
    line(`**Why:** ${escape(workspace.reason)}`);
    for (const problem of loading ? [] : workspace.problems) line(`$(error) ${escape(problem.message)}`);
    line(`**Local engine** (${escape(endpoints.localHost)}): ${escape(this.describeEngine(localHostTrusted))}`);
    const usage = this.options.usageSummary?.();
    if (usage !== undefined) line(escape(usage));
    line(
      workspace.locked
        ? '$(lock) Another layer keeps this workspace local-only; click for details.'
        : `Click to ${workspace.workspaceLocalOnly ? 'allow the cloud model again (hybrid)' : 'keep this workspace local-only'}.`,
    );
    return tooltip;
  }

  private describeEngine(localHostTrusted: boolean): string {
    if (!localHostTrusted) {
      return 'host not trusted: it is neither loopback nor listed in tandem.trustedHosts, so no completion is sent to it.';
    }
    const running = this.runningRequests > 0 ? ' Completing…' : '';
    switch (this.engine.kind) {
      case 'unknown':
        return `checking…${running}`;
      case 'online':
        return `reachable${this.engine.version ? ` (version ${this.engine.version})` : ''}${this.engine.lastLatencyMs !== undefined ? `, last completion ${this.engine.lastLatencyMs} ms` : ''}.${running}`;
      case 'offline':
        return `offline (${this.engine.reason}). Start Ollama or check tandem.local.host.`;
    }
  }
}

/** Where the next chat request goes under the workspace-wide policy (single files may still be kept local). */
function nextChatDestination(workspace: PolicySnapshot['workspace'], endpoints: StatusBarEndpoints): string {
  const local = `the local model ${endpoints.chatLocalModel}`;
  if (!workspace.allowCloud) return `${local} (local-only).`;
  const host = hostnameOf(endpoints.cloudBaseUrl);
  if (host === undefined || !hostMatches(host, endpoints.allowedCloudHosts)) {
    return `${local}: the cloud host ${host ?? endpoints.cloudBaseUrl} is not in tandem.cloud.allowedHosts.`;
  }
  return `the cloud model ${endpoints.cloudModel} at ${host}, unless a file in the request is kept local by policy.`;
}

/** Policy reasons quote globs and paths; keep `*`, `_` and brackets literal in the tooltip. */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|$]/g, (c) => `\\${c}`);
}
