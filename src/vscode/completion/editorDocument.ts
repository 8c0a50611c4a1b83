import * as vscode from 'vscode';
import type { CompletionDocument } from '../../core/completion/ports';

/**
 * A `CompletionDocument` over a VS Code `TextDocument`: reads single lines on demand (the extension
 * host keeps a document as line strings, so a 10 MB file costs no more than a small one) and never
 * copies the whole text. Built per request, because the document changes between requests.
 */
export class EditorCompletionDocument implements CompletionDocument {
  readonly uri: string;
  readonly relativePath: string;
  readonly languageId: string;
  readonly lineCount: number;
  readonly eol: '\n' | '\r\n';

  constructor(private readonly document: vscode.TextDocument) {
    this.uri = document.uri.toString();
    // Untitled files, notebook cells and remote URIs all have a path; files outside the workspace keep their full path.
    this.relativePath = vscode.workspace.asRelativePath(document.uri, false);
    this.languageId = document.languageId;
    this.lineCount = document.lineCount;
    this.eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  }

  lineAt(line: number): string {
    return line >= 0 && line < this.lineCount ? this.document.lineAt(line).text : '';
  }
}
