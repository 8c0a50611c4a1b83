import type { CompletionDocument, ContextFile, ContextSnippet, SnippetSource } from './ports';

export interface RecentSnippetsOptions {
  /** Files remembered; the least recently changed one is forgotten first. */
  readonly maxFiles: number;
  /** Lines kept around the place of interest in each file. */
  readonly linesAround: number;
}

export const DEFAULT_RECENT_SNIPPETS: RecentSnippetsOptions = { maxFiles: 8, linesAround: 20 };

/**
 * Recently edited or visible code, one window per file, for use as context. A window's
 * `changedAt` moves only when its text changes, so unchanged windows keep their early place in
 * the prompt (and the engine's prompt cache keeps them). The policy is applied when the prompt is
 * built (an excluded file never becomes context), and again here so excluded text is not even kept.
 */
export class RecentSnippets implements SnippetSource {
  private readonly byUri = new Map<string, ContextSnippet>();

  constructor(
    private readonly isAllowedAsContext: (file: ContextFile) => boolean,
    private readonly options: RecentSnippetsOptions = DEFAULT_RECENT_SNIPPETS,
  ) {}

  /** Remembers the lines around `line` of a document (only that window is read), as of time `at`. */
  note(document: CompletionDocument, line: number, at: number): void {
    if (!this.isAllowedAsContext(document)) {
      this.byUri.delete(document.uri);
      return;
    }
    const from = Math.max(0, line - this.options.linesAround);
    const to = Math.min(document.lineCount, line + this.options.linesAround + 1);
    const lines: string[] = [];
    for (let l = from; l < to; l++) lines.push(document.lineAt(l));
    const text = lines.join('\n');
    if (this.byUri.get(document.uri)?.text === text) return;
    this.byUri.delete(document.uri);
    this.byUri.set(document.uri, { uri: document.uri, relativePath: document.relativePath, languageId: document.languageId, text, changedAt: at });
    while (this.byUri.size > this.options.maxFiles) this.byUri.delete(this.byUri.keys().next().value!);
  }

  forget(uri: string): void {
    this.byUri.delete(uri);
  }

  snippetsFor(document: ContextFile): readonly ContextSnippet[] {
    return [...this.byUri.values()].filter((s) => s.uri !== document.uri);
  }
}
