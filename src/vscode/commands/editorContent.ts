import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ContentPiece } from '../../core/chat/types';

/** The active editor and a non-empty range in it that a command works on. */
export interface EditorTarget {
  editor: vscode.TextEditor;
  range: vscode.Range;
}

/**
 * The active editor and its selection, or undefined after telling the user what is missing
 * (`task` completes "select the code to …", e.g. "refactor").
 */
export function selectionTarget(task: string): EditorTarget | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(`Tandem: open a file and select the code to ${task} first.`);
    return undefined;
  }
  if (editor.selection.isEmpty || editor.document.getText(editor.selection).trim() === '') {
    void vscode.window.showInformationMessage(`Tandem: select the code to ${task} first (the selection is empty).`);
    return undefined;
  }
  return { editor, range: editor.selection };
}

/** Whole lines for a multi-line range (so indentation is kept intact); a range inside one line as is. */
export function wholeLines(document: vscode.TextDocument, range: vscode.Range): vscode.Range {
  if (range.isSingleLine) return range;
  // A selection that ends at column 0 of the next line does not include that line.
  const lastLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  return new vscode.Range(range.start.line, 0, lastLine, document.lineAt(lastLine).text.length);
}

/** A piece of a document as request content, with the identity the policy judges it by. */
export function contentPiece(document: vscode.TextDocument, kind: ContentPiece['kind'], text: string): ContentPiece {
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  if (folder) {
    return { kind, folder: folder.uri.toString(), relativePath: path.posix.relative(folder.uri.path, document.uri.path), text };
  }
  // Outside every folder the policy wants the absolute path; untitled documents have their name.
  return { kind, relativePath: document.uri.path, text };
}

/** The file name shown in messages. */
export function fileName(uri: vscode.Uri): string {
  return path.posix.basename(uri.path);
}
