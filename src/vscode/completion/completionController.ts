import * as vscode from 'vscode';
import { OllamaBackend } from '../../backends/ollama';
import { CompletionEngine, DEFAULT_COMPLETION_SETTINGS, type CompletionEvent, type CompletionSettings } from '../../core/completion/engine';
import type { Subscription } from '../../core/completion/events';
import type { ContextFile } from '../../core/completion/ports';
import { RecentSnippets } from '../../core/completion/snippets';
import { UnsupportedFimModelError, type FimFormat } from '../../core/completion/templates';
import { classifyEndpoint } from '../../core/egress/hosts';
import { systemClock, type Clock } from '../../core/net/clock';
import { EndpointUnreachableError, ModelNotFoundError } from '../../core/net/errors';
import type { CompletionTuning, EndpointSettings, Settings } from '../settings';
import { EditorCompletionDocument } from './editorDocument';
import { ModelFormats } from './modelFormats';

/** What the status bar shows about completions (StatusBar fits). */
export interface CompletionStatusView {
  /** A model request started: the item spins until every started one finished. */
  requestStarted(): void;
  requestFinished(): void;
  /** The model answered a request in `latencyMs` (shown as the last latency). */
  engineAnswered(latencyMs: number): void;
  engineOnline(): void;
  /** The engine cannot serve completions; the error's message says why and what helps. */
  engineFailed(error: unknown): void;
}

/** The configured completion model is not installed; the message names the command that helps. */
export class CompletionModelMissingError extends Error {
  constructor(readonly model: string) {
    super(`model ${model} is not installed: run "Tandem: Pull Completion Model"`);
    this.name = 'CompletionModelMissingError';
  }
}

/** The usage ledger's side of completions (UsageRecorder fits). */
export interface CompletionUsageSink {
  completionEvent(event: CompletionEvent): void;
  trackRetention(suggestionId: string, document: vscode.TextDocument, start: vscode.Position, text: string): void;
}

export interface CompletionControllerDeps {
  readonly settings: Settings;
  readonly status: CompletionStatusView;
  readonly log: vscode.LogOutputChannel;
  /** The workspace policy: false means no completion in that file and never context from it. */
  readonly isAllowedAsContext: (file: ContextFile) => boolean;
  readonly usage?: CompletionUsageSink;
  readonly clock?: Clock;
}

/** The engine for one (host, model, template) choice; rebuilt when any of them changes. */
interface EngineSlot {
  readonly key: string;
  readonly model: string;
  readonly backend: OllamaBackend;
  readonly formats: ModelFormats;
  ready: Promise<CompletionEngine | undefined> | undefined;
  /** After a failed build: when the next request may try again. */
  retryAt: number | undefined;
  engine: CompletionEngine | undefined;
  format: FimFormat | undefined;
  /** The format came from the model's name because the server did not answer `/api/show`. */
  provisional: boolean;
  refreshing: boolean;
  subscription: Subscription | undefined;
}

/** Limit for `/api/show` and warm-up calls, which run outside any one request. */
const MODEL_CALL_TIMEOUT_MS = 10_000;
const WARM_UP_TIMEOUT_MS = 60_000;
/** A missing model or an unanswered `/api/show` is asked about again at most this often. */
const RETRY_BUILD_MS = 10_000;

/**
 * Owns the completion engine and everything around it: format resolution, warm-up, model pull,
 * snooze, per-language switch, recent-edit snippets, and the status bar and usage feeds. The
 * inline provider asks it for the engine; settings changes rebuild or reconfigure the engine.
 */
export class CompletionController implements vscode.Disposable {
  private slot: EngineSlot | undefined;
  /** Read once per settings change, not per keystroke. */
  private tuning: CompletionTuning;
  private endpoints: EndpointSettings;
  private snoozedUntil = 0;
  private readonly offeredPull = new Set<string>();
  private readonly snippets: RecentSnippets;
  private readonly clock: Clock;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: CompletionControllerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.tuning = deps.settings.completion();
    this.endpoints = deps.settings.endpoints();
    this.snippets = new RecentSnippets(deps.isAllowedAsContext);
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (deps.settings.affects(e)) this.settingsChanged();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.settingsChanged()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const change = e.contentChanges[0];
        if (change && e.document.uri.scheme !== 'output') this.snippets.note(new EditorCompletionDocument(e.document), change.range.start.line, this.clock.now());
        this.startAfterEnter(e);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        const uri = document.uri.toString();
        this.snippets.forget(uri);
        this.slot?.engine?.forgetDocument(uri);
      }),
    );
  }

  /** Whether suggestions may appear without being asked for in a language (snooze, per-language switch). */
  automaticAllowed(languageId: string): boolean {
    return this.clock.now() >= this.snoozedUntil && this.deps.settings.completionEnabled(languageId);
  }

  /** The engine for the configured model, once its format is known; undefined when it cannot serve. */
  engine(): Promise<CompletionEngine | undefined> {
    if (!this.hostIsLocal()) return Promise.resolve(undefined);
    const slot = this.currentSlot();
    if (!slot.ready || (slot.retryAt !== undefined && this.clock.now() >= slot.retryAt)) {
      slot.retryAt = undefined;
      slot.ready = this.build(slot);
    }
    return slot.ready;
  }

  /** Completions never leave the machine: a non-loopback host counts only when the user trusts it (the status bar says "host not trusted"). */
  private hostIsLocal(): boolean {
    return classifyEndpoint(this.endpoints.localHost, this.endpoints.trustedHosts) === 'local';
  }

  /**
   * Enter in the active editor starts the request from the edit itself, about 50 ms before VS Code
   * asks for a suggestion (its inline-completion debounce); the provider's call for the same cursor
   * takes the running request over.
   */
  private startAfterEnter(e: vscode.TextDocumentChangeEvent): void {
    const change = e.contentChanges.length === 1 ? e.contentChanges[0] : undefined;
    if (!change || e.reason !== undefined || !/^\r?\n[ \t]*$/.test(change.text) || vscode.window.activeTextEditor?.document !== e.document) return;
    const engine = this.slot?.engine;
    if (!engine || !this.hostIsLocal() || !this.automaticAllowed(e.document.languageId)) return;
    const position = new vscode.Position(change.range.start.line + 1, change.text.length - change.text.lastIndexOf('\n') - 1);
    engine.complete({ document: new EditorCompletionDocument(e.document), position, trigger: 'edit' }).catch((error: unknown) => {
      this.deps.log.warn(`[Completion] ${String((error as Error)?.stack ?? error)}`);
    });
  }

  /** Loads the model in the background so the first suggestion does not pay for it. */
  async warmUp(): Promise<void> {
    const slot = this.currentSlot();
    try {
      if (!(await this.engine())) return;
      await slot.backend.warmUp(slot.model, AbortSignal.timeout(WARM_UP_TIMEOUT_MS));
      this.deps.status.engineOnline();
    } catch (error) {
      this.engineProblem(error, slot.model);
    }
  }

  /** Pauses automatic suggestions for `minutes` (0 resumes them). */
  snooze(minutes: number): number {
    this.snoozedUntil = minutes > 0 ? this.clock.now() + minutes * 60_000 : 0;
    return this.snoozedUntil;
  }

  get snoozed(): boolean {
    return this.clock.now() < this.snoozedUntil;
  }

  /** The user took a suggestion (the inline item's command). */
  accepted(suggestionId: string, document: vscode.TextDocument, start: vscode.Position, text: string): void {
    this.slot?.engine?.accept(suggestionId, text.length);
    this.deps.usage?.trackRetention(suggestionId, document, start, text);
  }

  /** The user dismissed the suggestion shown in `document`. */
  dismissed(document: vscode.TextDocument): void {
    this.slot?.engine?.dismiss(document.uri.toString());
  }

  /** Pulls the configured model with a cancellable progress notification; true when it finished. */
  pullModel(): Thenable<boolean> {
    const slot = this.currentSlot();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tandem: pulling ${slot.model}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        let layerStatus = '';
        let layerPercent = 0;
        try {
          await slot.backend.pull(
            slot.model,
            (step) => {
              const percent = step.total ? Math.floor((100 * (step.completed ?? 0)) / step.total) : undefined;
              if (step.status !== layerStatus) {
                layerStatus = step.status;
                layerPercent = 0;
              }
              const increment = percent !== undefined && percent > layerPercent ? percent - layerPercent : 0;
              if (percent !== undefined) layerPercent = Math.max(layerPercent, percent);
              progress.report({ message: percent === undefined ? step.status : `${step.status} — ${percent}%`, increment });
            },
            abort.signal,
          );
        } catch (error) {
          if (abort.signal.aborted) return false;
          this.deps.log.warn(`[Completion] pulling ${slot.model} failed: ${String((error as Error)?.message ?? error)}`);
          void vscode.window.showErrorMessage(`Tandem: pulling ${slot.model} failed: ${String((error as Error)?.message ?? error)}`);
          return false;
        } finally {
          cancel.dispose();
        }
        this.offeredPull.delete(slot.model);
        this.resetSlot();
        void this.warmUp();
        return true;
      },
    );
  }

  dispose(): void {
    this.resetSlot();
    for (const d of this.disposables) d.dispose();
  }

  private currentSlot(): EngineSlot {
    const { localHost, completionModel } = this.endpoints;
    const key = JSON.stringify([localHost, completionModel, this.tuning.template ?? null]);
    if (this.slot?.key !== key) {
      this.resetSlot();
      const backend = new OllamaBackend(localHost);
      this.slot = { key, model: completionModel, backend, formats: new ModelFormats(backend), ready: undefined, retryAt: undefined, engine: undefined, format: undefined, provisional: false, refreshing: false, subscription: undefined };
    }
    return this.slot;
  }

  private resetSlot(): void {
    // The engine first: stopping its requests reports them finished (the status bar's spinner stops).
    this.slot?.engine?.dispose();
    this.slot?.subscription?.dispose();
    this.slot = undefined;
  }

  private async build(slot: EngineSlot): Promise<CompletionEngine | undefined> {
    try {
      const { format, fromShow } = await slot.formats.format(slot.model, this.tuning.template, AbortSignal.timeout(MODEL_CALL_TIMEOUT_MS));
      if (this.slot !== slot) return undefined;
      const engine = new CompletionEngine(
        { model: slot.backend, clock: this.clock, isAllowedAsContext: this.deps.isAllowedAsContext, snippets: this.snippets },
        { ...this.engineSettings(), model: slot.model, format },
      );
      slot.engine = engine;
      slot.format = format;
      slot.provisional = !fromShow && !this.tuning.template;
      slot.subscription = engine.onEvent((event) => this.onEngineEvent(event, slot));
      this.deps.log.info(`[Completion] ${slot.model}: ${format.mode === 'suffix' ? "Ollama's own FIM template (suffix)" : `${format.family} template, raw`}, ${format.layout}`);
      return engine;
    } catch (error) {
      // Asked again a little later: the model may have been pulled, or the server started.
      if (!(error instanceof UnsupportedFimModelError)) slot.retryAt = this.clock.now() + RETRY_BUILD_MS;
      this.engineProblem(error, slot.model);
      return undefined;
    }
  }

  /** Replaces a format guessed from the model's name with the one `/api/show` gives, once the server answers. */
  private async refreshFormat(slot: EngineSlot): Promise<void> {
    if (!slot.provisional || slot.refreshing) return;
    slot.refreshing = true;
    try {
      const { format, fromShow } = await slot.formats.format(slot.model, undefined, AbortSignal.timeout(MODEL_CALL_TIMEOUT_MS));
      if (!fromShow || this.slot !== slot || !slot.engine) return;
      slot.provisional = false;
      slot.format = format;
      slot.engine.updateSettings({ ...this.engineSettings(), model: slot.model, format });
    } catch (error) {
      this.engineProblem(error, slot.model);
    } finally {
      slot.refreshing = false;
    }
  }

  private engineSettings(): Omit<CompletionSettings, 'model' | 'format'> {
    const { template: _template, ...tuning } = this.tuning;
    return { ...DEFAULT_COMPLETION_SETTINGS, ...tuning };
  }

  private settingsChanged(): void {
    this.tuning = this.deps.settings.completion();
    this.endpoints = this.deps.settings.endpoints();
    const slot = this.currentSlot();
    // Same model and template: only the tuning changed, and the engine keeps its cache.
    if (slot.engine && slot.format) slot.engine.updateSettings({ ...this.engineSettings(), model: slot.model, format: slot.format });
  }

  private onEngineEvent(event: CompletionEvent, slot: EngineSlot): void {
    const model = slot.model;
    this.deps.usage?.completionEvent(event);
    switch (event.type) {
      case 'requestStarted':
        this.deps.status.requestStarted();
        return;
      case 'requestFinished': {
        this.deps.status.requestFinished();
        if (event.outcome === 'completed' || event.outcome === 'enough') {
          this.deps.status.engineAnswered(event.latencyMs);
          void this.refreshFormat(slot);
        }
        if (event.outcome === 'failed' && !(event.error instanceof EndpointUnreachableError)) this.engineProblem(event.error, model);
        return;
      }
      case 'engineDown':
        this.deps.log.warn(`[Completion] the local engine does not answer; pausing completions (${String((event.error as Error)?.message ?? event.error)})`);
        this.deps.status.engineFailed(event.error);
        return;
      case 'engineUp':
        this.deps.log.info('[Completion] the local engine answers again');
        this.deps.status.engineOnline();
        void this.refreshFormat(slot);
        return;
      default:
        return;
    }
  }

  /** Tells the user, once per cause, what stops completions. */
  private engineProblem(error: unknown, model: string): void {
    const message = String((error as Error)?.message ?? error);
    if (error instanceof ModelNotFoundError) {
      this.deps.status.engineFailed(new CompletionModelMissingError(model));
      if (this.offeredPull.has(model)) return;
      this.offeredPull.add(model);
      this.deps.log.warn(`[Completion] model ${model} is not installed: ${message}`);
      void vscode.window.showWarningMessage(`Tandem: the completion model ${model} is not installed in Ollama.`, 'Pull model').then((choice) => {
        if (choice === 'Pull model') void this.pullModel();
      });
      return;
    }
    if (error instanceof EndpointUnreachableError) {
      this.deps.status.engineFailed(error);
      return;
    }
    this.deps.log.warn(`[Completion] ${message}`);
  }
}
