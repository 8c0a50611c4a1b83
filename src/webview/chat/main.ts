import { applyChatEvent, type DestinationHint, type HostMessage, type PendingContext, type TurnView, type WebviewMessage } from '../../core/chat/protocol';
import { MarkdownRenderer } from './markdown';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface Elements {
  transcript: HTMLElement;
  empty: HTMLElement;
  form: HTMLFormElement;
  input: HTMLTextAreaElement;
  send: HTMLButtonElement;
  stop: HTMLButtonElement;
  clear: HTMLButtonElement;
  context: HTMLElement;
  contextLabel: HTMLElement;
  dropContext: HTMLButtonElement;
  destination: HTMLElement;
}

/** Renders the transcript the host sends and turns the user's clicks and keys into messages. */
class ChatView {
  private readonly turns = new Map<string, TurnView>();
  private readonly articles = new Map<string, HTMLElement>();
  private cloudReaskable = new Set<string>();
  /** Turns changed since the last frame; re-rendered once per animation frame while text streams. */
  private readonly dirty = new Set<string>();
  private frameRequested = false;

  constructor(
    private readonly host: VsCodeApi,
    private readonly markdown: MarkdownRenderer,
    private readonly el: Elements,
  ) {
    el.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    el.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      } else if (e.key === 'Escape' && this.busy()) {
        host.postMessage({ type: 'stop' });
      }
    });
    el.stop.addEventListener('click', () => host.postMessage({ type: 'stop' }));
    el.clear.addEventListener('click', () => host.postMessage({ type: 'clearHistory' }));
    el.dropContext.addEventListener('click', () => host.postMessage({ type: 'dropContext' }));
    el.transcript.addEventListener('click', (e) => this.onTranscriptClick(e));
    window.addEventListener('message', (e: MessageEvent<HostMessage>) => this.onHostMessage(e.data));
    this.updateBusy();
    el.input.focus();
    host.postMessage({ type: 'ready' });
  }

  private submit(): void {
    const text = this.el.input.value.trim();
    if (text === '' || this.busy()) return;
    this.host.postMessage({ type: 'send', text });
    this.el.input.value = '';
  }

  private onHostMessage(message: HostMessage): void {
    switch (message.type) {
      case 'state':
        this.turns.clear();
        this.articles.clear();
        this.el.transcript.replaceChildren();
        this.cloudReaskable = new Set(message.cloudReaskable);
        for (const turn of message.turns) this.addTurn(turn);
        this.showPending(message.pending);
        this.showDestination(message.destination);
        this.flush();
        this.scrollToEnd();
        break;
      case 'prefill':
        this.el.input.value = message.text;
        this.showPending(message.pending);
        this.el.input.focus();
        break;
      case 'turnStarted':
        this.addTurn(message.turn);
        this.showPending(undefined);
        this.scrollToEnd();
        break;
      case 'event': {
        const turn = this.turns.get(message.turnId);
        if (!turn) return;
        applyChatEvent(turn, message.event);
        this.markDirty(turn.id);
        break;
      }
      case 'turnEnded': {
        const turn = this.turns.get(message.turnId);
        if (!turn) return;
        turn.status = message.status;
        if (message.cloudReaskable) this.cloudReaskable.add(turn.id);
        this.markDirty(turn.id);
        break;
      }
      case 'destination':
        this.showDestination(message.destination);
        this.showPending(message.pending);
        break;
    }
    this.updateBusy();
  }

  private onTranscriptClick(e: MouseEvent): void {
    const button = (e.target as Element | null)?.closest('button[data-action]');
    if (!(button instanceof HTMLButtonElement)) return;
    const turnId = button.closest('article')?.dataset.turnId;
    const code = () => button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    switch (button.dataset.action) {
      case 'copy':
        this.host.postMessage({ type: 'copyCode', code: code() });
        break;
      case 'insert':
        this.host.postMessage({ type: 'insertCode', code: code() });
        break;
      case 'reask':
        if (turnId) this.host.postMessage({ type: 'reaskInCloud', turnId });
        break;
      case 'run':
        if (turnId && button.dataset.command) this.host.postMessage({ type: 'runAction', turnId, command: button.dataset.command });
        break;
    }
  }

  private busy(): boolean {
    for (const turn of this.turns.values()) if (turn.status === 'streaming') return true;
    return false;
  }

  private updateBusy(): void {
    const busy = this.busy();
    this.el.send.disabled = busy;
    this.el.stop.hidden = !busy;
    this.el.empty.hidden = this.turns.size > 0;
  }

  private addTurn(turn: TurnView): void {
    const view: TurnView = { ...turn, notices: [...turn.notices], contextLabels: [...turn.contextLabels] };
    this.turns.set(view.id, view);
    const article = element('article', 'turn');
    article.dataset.turnId = view.id;
    const question = element('div', 'question');
    question.append(element('div', 'who', view.preferCloud ? 'You (re-asked in the cloud)' : 'You'), element('div', 'question-text', view.question));
    if (view.contextLabels.length > 0) question.append(element('div', 'context-labels', `with ${view.contextLabels.join(', ')}`));
    article.append(question, element('section', 'answer'));
    article.querySelector('.answer')!.setAttribute('aria-label', 'Answer');
    this.el.transcript.append(article);
    this.articles.set(view.id, article);
    this.markDirty(view.id);
  }

  private markDirty(turnId: string): void {
    this.dirty.add(turnId);
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frameRequested = false;
    const stick = this.nearEnd();
    for (const id of this.dirty) {
      const turn = this.turns.get(id);
      const article = this.articles.get(id);
      if (turn && article) this.renderAnswer(turn, article.querySelector<HTMLElement>('.answer')!);
    }
    this.dirty.clear();
    this.updateBusy();
    if (stick) this.scrollToEnd();
  }

  private renderAnswer(turn: TurnView, answer: HTMLElement): void {
    const parts: Node[] = [];
    const label = element('div', 'route');
    if (turn.route) {
      label.append(element('span', `model ${turn.route.where}`, `answered by ${turn.route.model} (${turn.route.where})`));
      if (turn.route.why) label.append(element('span', 'why', ` — ${turn.route.why}`));
    } else {
      label.append(element('span', 'model', turn.status === 'streaming' ? 'waiting for the model…' : 'no answer'));
    }
    parts.push(label);
    for (const notice of turn.notices) parts.push(element('div', 'notice', notice));

    const body = element('div', 'markdown');
    body.innerHTML = this.markdown.render(turn.answer);
    for (const pre of body.querySelectorAll('pre')) wrapCodeBlock(pre);
    parts.push(body);

    if (turn.error) {
      const error = element('div', 'error');
      error.setAttribute('role', 'alert');
      error.append(element('span', 'error-message', turn.error.message));
      for (const action of turn.error.actions) {
        const button = actionButton('run', action.title, action.title);
        button.dataset.command = action.command;
        error.append(button);
      }
      parts.push(error);
    }

    const footer = element('div', 'turn-footer');
    const status = statusText(turn);
    if (status) footer.append(element('span', 'status', status));
    if (turn.status !== 'streaming' && turn.route?.where === 'local' && this.cloudReaskable.has(turn.id)) {
      footer.append(actionButton('reask', 'Re-ask in the cloud', 'Ask this question again, answered by the cloud model'));
    }
    if (footer.childNodes.length > 0) parts.push(footer);

    answer.setAttribute('aria-busy', String(turn.status === 'streaming'));
    answer.replaceChildren(...parts);
  }

  private showPending(pending: PendingContext | undefined): void {
    this.el.context.hidden = !pending || pending.labels.length === 0;
    this.el.contextLabel.textContent = pending ? `Attached: ${pending.labels.join(', ')}` : '';
  }

  private showDestination(destination: DestinationHint): void {
    const hint = this.el.destination;
    if (destination.kind === 'unknown') {
      hint.textContent = `Destination unknown: ${destination.reason}`;
      hint.className = 'destination unknown';
      return;
    }
    const { model, where, why } = destination.route;
    hint.textContent = `Will be answered by ${model} (${where})${why ? ` — ${why}` : ''}`;
    hint.className = `destination ${where}`;
  }

  private nearEnd(): boolean {
    const t = this.el.transcript;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 48;
  }

  private scrollToEnd(): void {
    this.el.transcript.scrollTop = this.el.transcript.scrollHeight;
  }
}

function statusText(turn: TurnView): string | undefined {
  switch (turn.status) {
    case 'streaming':
      return undefined;
    case 'stopped':
      return 'Stopped.';
    case 'interrupted':
      return 'The answer was interrupted; what arrived is kept.';
    case 'failed':
      return undefined;
    case 'done':
      if (!turn.usage) return undefined;
      return `${turn.usage.estimated ? '~' : ''}${turn.usage.promptTokens} prompt + ${turn.usage.completionTokens} answer tokens`;
  }
}

/** Puts Copy and Insert buttons on a rendered code block. */
function wrapCodeBlock(pre: HTMLPreElement): void {
  const block = element('div', 'code-block');
  pre.replaceWith(block);
  const actions = element('div', 'code-actions');
  actions.append(actionButton('copy', 'Copy', 'Copy code'), actionButton('insert', 'Insert', 'Insert code at the cursor'));
  block.append(actions, pre);
}

function actionButton(action: string, text: string, label: string): HTMLButtonElement {
  const button = element('button', 'action', text);
  button.type = 'button';
  button.dataset.action = action;
  button.setAttribute('aria-label', label);
  button.title = label;
  return button;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`chat panel markup lacks #${id}`);
  return node as T;
}

new ChatView(acquireVsCodeApi(), new MarkdownRenderer(), {
  transcript: byId('transcript'),
  empty: byId('empty'),
  form: byId<HTMLFormElement>('composer'),
  input: byId<HTMLTextAreaElement>('input'),
  send: byId<HTMLButtonElement>('send'),
  stop: byId<HTMLButtonElement>('stop'),
  clear: byId<HTMLButtonElement>('clear'),
  context: byId('context'),
  contextLabel: byId('context-label'),
  dropContext: byId<HTMLButtonElement>('drop-context'),
  destination: byId('destination'),
});
