import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { OllamaBackend } from './backends/ollama';
import { OllamaChat } from './backends/ollamaChat';
import { OpenAiTransport } from './backends/openai';
import { JsonlAuditSink } from './core/egress/auditLog';
import { EgressGate } from './core/egress/egressGate';
import { systemClock } from './core/net/clock';
import { UsageStore } from './core/usage/store';
import { ChatBackend } from './vscode/chat/chatBackend';
import { ChatHistory } from './vscode/chatHistory';
import { ChatPanel } from './vscode/chatPanel';
import { registerChatCommands } from './vscode/commands/commandList';
import { ProposalStore } from './vscode/commands/proposals';
import { registerCompletionCommands } from './vscode/completion/completionCommands';
import { CompletionController } from './vscode/completion/completionController';
import { TandemInlineCompletionProvider } from './vscode/completion/inlineCompletionProvider';
import { EgressDocuments, LoggedAuditSink } from './vscode/egressLog';
import { EgressPreviewPrompt } from './vscode/policy/egressPreview';
import { WorkspacePolicy } from './vscode/policy/workspacePolicy';
import { CloudApiKeys } from './vscode/secrets';
import { Settings } from './vscode/settings';
import { StatusBar } from './vscode/statusBar';
import { LazyUsageLedger } from './vscode/usage/lazyLedger';
import { StorageFolderFiles } from './vscode/usage/storageFiles';
import { registerUsageCommands } from './vscode/usage/usageCommands';
import { UsageDashboardPanel } from './vscode/usage/usageDashboardPanel';
import { UsagePricingReader } from './vscode/usage/usagePricing';
import { UsageRecorder } from './vscode/usage/usageRecorder';
import { currentWorkspaceUsageId } from './vscode/usage/workspaceId';

/**
 * TEST ONLY: `TANDEM_TEST_ALLOW_HTTP_LOOPBACK=1` in the environment VS Code starts with lets the
 * egress gate send plain http to a loopback "cloud" (the tests' recording endpoint). Read once at
 * activation; a workspace cannot set it, and the log says when it is on.
 */
const TEST_ALLOW_HTTP_LOOPBACK_ENV = 'TANDEM_TEST_ALLOW_HTTP_LOOPBACK';
const CLOUD_FIRST_BYTE_TIMEOUT_MS = 30_000;
const PROBE_TIMEOUT_MS = 3000;

/** Builds Tandem's objects once and registers everything it creates for disposal. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Tandem', { log: true });
  const settings = new Settings();
  const policy = new WorkspacePolicy({
    userMode: () => settings.endpoints().mode,
    affectsUserMode: (event) => settings.affects(event),
    workspaceState: context.workspaceState,
    log,
  });
  const cloudKeys = new CloudApiKeys(context.secrets, () => settings.endpoints().cloudBaseUrl);
  const auditFile = vscode.Uri.joinPath(context.globalStorageUri, 'egress-log.jsonl');
  const egressDocuments = new EgressDocuments(auditFile);
  const allowInsecureLoopback = process.env[TEST_ALLOW_HTTP_LOOPBACK_ENV] === '1';
  if (allowInsecureLoopback) log.warn(`[Egress] ${TEST_ALLOW_HTTP_LOOPBACK_ENV}=1: http to a loopback cloud endpoint is allowed (for tests only).`);
  // The only cloud client, reachable only through the gate (test/unit/egress/single-path.test.ts).
  const egressGate = new EgressGate({
    transport: new OpenAiTransport({ apiKey: (baseUrl) => cloudKeys.get(baseUrl), firstByteTimeoutMs: CLOUD_FIRST_BYTE_TIMEOUT_MS, now: Date.now }),
    policy,
    hostSettings: () => ({ allowedCloudHosts: settings.egress().allowedCloudHosts, allowInsecureLoopback }),
    audit: new LoggedAuditSink(new JsonlAuditSink(fs, auditFile.fsPath), log),
    now: () => new Date(),
    preview: new EgressPreviewPrompt({ previewMode: () => settings.egress().preview, workspaceState: context.workspaceState, documents: egressDocuments }),
  });
  context.subscriptions.push(log, policy, egressDocuments);

  // Usage ledger: nothing is read from disk until the first record or view (activation stays cheap).
  const usageLedger = new LazyUsageLedger(
    new UsageStore({ files: new StorageFolderFiles(context.globalStorageUri), clock: Date, timers: { setTimeout, clearTimeout }, log: { warn: (m) => log.warn(`[Usage] ${m}`) } }),
    log,
  );
  const usagePricing = new UsagePricingReader(() => settings.endpoints().cloudModel, log);
  const usage = new UsageRecorder({ ledger: usageLedger, pricing: usagePricing, workspaceId: currentWorkspaceUsageId, completionModel: () => settings.endpoints().completionModel });
  const status = new StatusBar({
    policy,
    endpoints: () => ({ ...settings.endpoints(), allowedCloudHosts: settings.egress().allowedCloudHosts }),
    usageSummary: () => usage.todaySummary(),
  });
  context.subscriptions.push(status, usage.onDidChange(() => status.refresh()));
  const usageDashboard = new UsageDashboardPanel({ extensionUri: context.extensionUri, ledger: usageLedger, pricing: usagePricing, log });
  context.subscriptions.push(usageLedger, usage, usageDashboard, ...registerUsageCommands({ ledger: usageLedger, pricing: usagePricing, dashboard: usageDashboard, workspaceId: currentWorkspaceUsageId }));

  // Chat and refactor: cloud requests leave only through egressGate; the panel and the commands share one backend.
  const chat = new ChatBackend({
    endpoints: () => settings.endpoints(),
    hasKey: (baseUrl) => cloudKeys.has(baseUrl),
    policy,
    isTrusted: () => vscode.workspace.isTrusted,
    gate: egressGate,
    localChat: (host) => new OllamaChat(host),
    onUsage: (record) => usage.chatUsage(record),
    clock: systemClock,
    random: Math.random,
  });
  const chatPanel = new ChatPanel({
    extensionUri: context.extensionUri,
    history: new ChatHistory(context.workspaceState),
    ask: (request, signal) => chat.ask(request, signal),
    destinationPreview: (request) => chat.destination(request),
    log,
  });
  const proposals = new ProposalStore();
  const refreshChatDestination = (): void => void chatPanel.refreshDestination();
  context.subscriptions.push(
    chatPanel,
    proposals,
    ...registerChatCommands({ chat, panel: chatPanel, proposals, keys: cloudKeys, settings, log }),
    policy.onDidChange(refreshChatDestination),
    cloudKeys.onDidChange(refreshChatDestination),
    vscode.workspace.onDidGrantWorkspaceTrust(refreshChatDestination),
  );

  const completions = new CompletionController({
    settings,
    status,
    log,
    usage,
    isAllowedAsContext: (file) => policy.current().decide(policy.fileRef(vscode.Uri.parse(file.uri))).allowAi,
  });
  context.subscriptions.push(
    completions,
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, new TandemInlineCompletionProvider(completions, log)),
    ...registerCompletionCommands(completions),
  );
  // Not awaited: the model loads in the background while the user opens files.
  void completions.warmUp();

  const probeEngine = async (): Promise<boolean> => {
    try {
      status.engineOnline(await new OllamaBackend(settings.endpoints().localHost).version(AbortSignal.timeout(PROBE_TIMEOUT_MS)));
      return true;
    } catch (e) {
      status.engineFailed(e);
      log.warn(`[Engine] ${String((e as Error)?.message ?? e)}`);
      return false;
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('tandem.checkLocalEngine', async () => {
      const ok = await probeEngine();
      void vscode.window.showInformationMessage(ok ? 'Tandem: the local engine answers.' : `Tandem: the local engine at ${settings.endpoints().localHost} does not answer. Start Ollama (\`ollama serve\`) or check the tandem.local.host setting.`);
      return ok;
    }),
    vscode.commands.registerCommand('tandem.showLog', () => log.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!settings.affects(e)) return;
      status.refresh();
      refreshChatDestination();
      void probeEngine();
    }),
  );
  void probeEngine();
}

export function deactivate(): void {}
