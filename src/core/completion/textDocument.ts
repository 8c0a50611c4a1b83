import type { CompletionDocument, CursorPosition } from './ports';

/**
 * A `CompletionDocument` over a string, for text that is not a VS Code document (benchmarks
 * replaying files, tests). Splits the text into lines once.
 */
export class TextCompletionDocument implements CompletionDocument {
  readonly eol: '\n' | '\r\n';
  private readonly lines: string[];

  constructor(
    text: string,
    readonly uri: string,
    readonly relativePath: string,
    readonly languageId: string,
  ) {
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
    this.lines = text.split(/\r?\n/);
  }

  get lineCount(): number {
    return this.lines.length;
  }

  lineAt(line: number): string {
    return this.lines[line] ?? '';
  }

  /** The position after the first `offset` characters of the text with '\n' line ends. */
  positionAt(offset: number): CursorPosition {
    let rest = offset;
    for (let line = 0; line < this.lines.length; line++) {
      const length = this.lines[line]!.length;
      if (rest <= length) return { line, character: rest };
      rest -= length + 1;
    }
    const last = this.lines.length - 1;
    return { line: last, character: this.lines[last]!.length };
  }
}
