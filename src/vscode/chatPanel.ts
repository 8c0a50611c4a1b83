import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  applyChatEvent,
  contentLabel,
  parseWebviewMessage,
  turnView,
  type ChatTurn,
  type DestinationHint,
  type HostMessage,
  type PendingContext,
  type WebviewMessage,
} from '../core/chat/protocol';
import type { AnswerRoute, ChatEvent, ChatRequest, ContentPiece } from '../core/chat/types';
import { chatPage } from '../webview/chat/page';
import type { ChatHistory } from './chatHistory';
import { webviewSources } from './webviewSources';

const CHAT_VIEW_TYPE = 'tandem.chat';

export interface ChatPanelOptions {
  extensionUri: vscode.Uri;
  history: ChatHistory;
  /** Streams the answer to a request; must end with one `done` or `error` event. */
  ask: (request: ChatRequest, signal: AbortSignal) => AsyncIterable<ChatEvent>;
  /** Where a request would go if sent now (shown under the input, and decides "Re-ask in the cloud"). */
  destinationPreview: (request: ChatRequest) => AnswerRoute | Promise<AnswerRoute>;
  log: vscode.LogOutputChannel;
}

/** Content waiting to go with the next question (from Ask About / Explain Selection). */
interface Pending {
  command: ChatRequest['command'];
  content: ContentPiece[];
}

/**
 * The Tandem chat webview. One per window, built once by the extension; `show()` opens or reveals
 * the panel. The host side owns the transcript (the webview only renders it) and the one request
 * in flight, which Stop, closing the panel or a new auto-sent question abort.
 */
export class ChatPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private panel: { view: vscode.WebviewPanel; ready: boolean; disposables: vscode.Disposable[] } | undefined;
  private pending: Pending | undefined;
  /** A prefilled question waiting for the webview to load. */
  private prefill: string | undefined;
  private inFlight: { turn: ChatTurn; controller: AbortController } | undefined;
  /** The editor "Insert" writes to: focus is in the webview when the button is clicked. */
  private lastEditor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private destinationSeq = 0;

  constructor(private readonly options: ChatPanelOptions) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor) this.lastEditor = editor;
      }),
      // Brings back a panel that was open when the window reloaded (needs the
      // `onWebviewPanel:tandem.chat` activation event); its transcript comes from the history.
      vscode.window.registerWebviewPanelSerializer(CHAT_VIEW_TYPE, {
        deserializeWebviewPanel: async (view) => {
          if (this.panel) view.dispose();
          else this.adoptPanel(view);
        },
      }),
    );
  }

  /**
   * Opens (or reveals) the panel. With a request, its content is attached to the next question and
   * its last user message prefills the input; `autoSend` sends it at once (stopping an answer in
   * progress). Only `command`, `content` and the last user message of the request are used: the
   * conversation so far comes from the panel's history.
   */
  show(initial?: { request?: ChatRequest; autoSend?: boolean }): void {
    const panel = this.panel ?? this.createPanel();
    panel.view.reveal(undefined, false);
    const request = initial?.request;
    if (request) {
      this.pending = { command: request.command, content: request.content };
      const question = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      if (initial?.autoSend && question.trim() !== '') {
        this.stop();
        this.send(question);
        return;
      }
      this.prefill = question;
      if (panel.ready) this.deliverPrefill();
    }
    // Policy or settings may have changed since the panel was last shown.
    void this.refreshDestination();
  }

  /** Re-evaluates where the next question would go; call it when policy, mode or settings change. */
  async refreshDestination(): Promise<void> {
    if (!this.panel) return;
    const seq = ++this.destinationSeq;
    const destination = await this.preview(this.options.history.requestFor(this.draftTurn('')));
    if (seq === this.destinationSeq) this.post({ type: 'destination', destination, pending: this.pendingView() });
  }

  dispose(): void {
    this.panel?.view.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private createPanel(): NonNullable<ChatPanel['panel']> {
    const view = vscode.window.createWebviewPanel(
      CHAT_VIEW_TYPE,
      'Tandem Chat',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      // The transcript streams while the panel is in a background tab; keep its page alive.
      { ...this.webviewOptions(), retainContextWhenHidden: true },
    );
    return this.adoptPanel(view);
  }

  private webviewOptions(): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.options.extensionUri, 'media')] };
  }

  /** Fills a new or revived webview panel with the chat page and listens to it. */
  private adoptPanel(view: vscode.WebviewPanel): NonNullable<ChatPanel['panel']> {
    view.webview.options = this.webviewOptions();
    const panel = { view, ready: false, disposables: [] as vscode.Disposable[] };
    view.webview.html = chatPage(webviewSources(view.webview, this.options.extensionUri, 'chat'));
    panel.disposables.push(
      view.webview.onDidReceiveMessage((raw) => {
        const message = parseWebviewMessage(raw);
        if (message) void this.onMessage(message).catch((e) => this.options.log.error(`[Chat] ${errorText(e)}`));
        else this.options.log.warn('[Chat] ignored a malformed message from the webview');
      }),
      view.onDidDispose(() => {
        this.stop();
        for (const d of panel.disposables.splice(0)) d.dispose();
        this.panel = undefined;
      }),
    );
    this.panel = panel;
    return panel;
  }

  private async onMessage(message: WebviewMessage): Promise<void> {
    const history = this.options.history;
    switch (message.type) {
      case 'ready':
        if (this.panel) this.panel.ready = true;
        await this.postState();
        this.deliverPrefill();
        return;
      case 'send':
        if (!this.inFlight) this.send(message.text);
        return;
      case 'stop':
        this.stop();
        return;
      case 'reaskInCloud': {
        const original = history.find(message.turnId);
        if (!original || this.inFlight) return;
        const request = history.requestFor(original, { preferCloud: true });
        const turn = this.newTurn(original.command, original.question, original.content, true);
        history.add(turn);
        void this.run(turn, request);
        return;
      }
      case 'runAction':
        // Only commands the answer itself offered: the webview shows model output and is not trusted.
        if (history.find(message.turnId)?.error?.actions.some((a) => a.command === message.command)) {
          await vscode.commands.executeCommand(message.command);
        }
        return;
      case 'copyCode':
        await vscode.env.clipboard.writeText(message.code);
        vscode.window.setStatusBarMessage('Tandem: code copied', 2000);
        return;
      case 'insertCode':
        await this.insertCode(message.code);
        return;
      case 'dropContext':
        this.pending = undefined;
        await this.refreshDestination();
        return;
      case 'clearHistory':
        this.stop();
        await history.clear();
        await this.postState();
        return;
    }
  }

  private send(question: string): void {
    const turn = this.draftTurn(question);
    this.pending = undefined;
    const request = this.options.history.requestFor(turn);
    this.options.history.add(turn);
    void this.run(turn, request);
  }

  /** Streams one answer into `turn`; always ends the turn, whatever the stream does. */
  private async run(turn: ChatTurn, request: ChatRequest): Promise<void> {
    const controller = new AbortController();
    this.inFlight = { turn, controller };
    this.post({ type: 'turnStarted', turn: turnView(turn) });
    try {
      for await (const event of this.options.ask(request, controller.signal)) {
        if (turn.status !== 'streaming') break;
        applyChatEvent(turn, event);
        this.post({ type: 'event', turnId: turn.id, event });
      }
      // A stream that ends without done/error broke its contract; keep what arrived.
      if (turn.status === 'streaming') turn.status = 'interrupted';
    } catch (e) {
      if (turn.status === 'streaming') {
        const event: ChatEvent = { kind: 'error', message: errorText(e), actions: [] };
        applyChatEvent(turn, event);
        this.post({ type: 'event', turnId: turn.id, event });
        this.options.log.error(`[Chat] request failed: ${errorText(e)}`);
      }
    } finally {
      if (this.inFlight?.turn === turn) {
        this.inFlight = undefined;
        await this.endTurn(turn);
      }
    }
  }

  /** Aborts the request in flight and ends its turn now, without waiting for the stream to notice. */
  private stop(): void {
    const inFlight = this.inFlight;
    if (!inFlight) return;
    this.inFlight = undefined;
    inFlight.controller.abort();
    inFlight.turn.status = 'stopped';
    void this.endTurn(inFlight.turn);
  }

  private async endTurn(turn: ChatTurn): Promise<void> {
    this.post({ type: 'turnEnded', turnId: turn.id, status: turn.status, cloudReaskable: await this.cloudReaskable(turn) });
    await this.options.history.save();
    await this.refreshDestination();
  }

  private async cloudReaskable(turn: ChatTurn): Promise<boolean> {
    if (turn.route?.where !== 'local' || turn.status === 'streaming') return false;
    const destination = await this.preview(this.options.history.requestFor(turn, { preferCloud: true }));
    return destination.kind === 'route' && destination.route.where === 'cloud';
  }

  private async postState(): Promise<void> {
    const history = this.options.history;
    const turns = history.all();
    const reaskable = await Promise.all(turns.map((t) => this.cloudReaskable(t)));
    const destination = await this.preview(history.requestFor(this.draftTurn('')));
    this.post({
      type: 'state',
      turns: turns.map(turnView),
      cloudReaskable: turns.filter((_, i) => reaskable[i]).map((t) => t.id),
      pending: this.pendingView(),
      destination,
    });
  }

  private deliverPrefill(): void {
    if (this.prefill === undefined) return;
    this.post({ type: 'prefill', text: this.prefill, pending: this.pendingView() });
    this.prefill = undefined;
  }

  private async insertCode(code: string): Promise<void> {
    const editor = this.lastEditor;
    if (!editor || !vscode.window.visibleTextEditors.includes(editor)) {
      void vscode.window.showWarningMessage('Tandem: open an editor and place the cursor where the code should go, then click Insert again.');
      return;
    }
    // One edit call is one undo step.
    const applied = await editor.edit((edit) => edit.replace(editor.selection, code));
    if (!applied) {
      void vscode.window.showWarningMessage('Tandem: the editor did not accept the insertion (is it read-only?).');
      return;
    }
    await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
  }

  private async preview(request: ChatRequest): Promise<DestinationHint> {
    try {
      return { kind: 'route', route: await this.options.destinationPreview(request) };
    } catch (e) {
      return { kind: 'unknown', reason: errorText(e) };
    }
  }

  private draftTurn(question: string): ChatTurn {
    return this.newTurn(this.pending?.command ?? 'chat', question, this.pending?.content ?? [], false);
  }

  private newTurn(command: ChatRequest['command'], question: string, content: ContentPiece[], preferCloud: boolean): ChatTurn {
    return {
      id: randomUUID(),
      command,
      question,
      content,
      contextLabels: content.map(contentLabel),
      preferCloud,
      answer: '',
      notices: [],
      status: 'streaming',
    };
  }

  private pendingView(): PendingContext | undefined {
    return this.pending && { labels: this.pending.content.map(contentLabel) };
  }

  private post(message: HostMessage): void {
    void this.panel?.view.webview.postMessage(message);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
