import * as vscode from 'vscode';
import type { ChatRequest } from '../../core/chat/types';
import { contentPiece, wholeLines } from './editorContent';
import { proposeRewrite, rewriteTask } from './rewriteFlow';
import type { CommandDeps, TandemCommand } from './tandemCommand';

/** Lines of code around the reported problems that the model sees and may rewrite. */
const CONTEXT_LINES = 2;

/**
 * Tandem: Fix This — sends the code at the cursor (or the selection) with the problems VS Code
 * reports there, and shows the fix as a diff with Apply / Discard. The diagnostics text is
 * workspace content too: it is sent as a content piece of the file and passes the same policy.
 */
export function fixThisCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.fixThis',
    run: async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showInformationMessage('Tandem: open a file and put the cursor on a problem first.');
        return undefined;
      }
      const { document, selection } = editor;
      const problems = vscode.languages
        .getDiagnostics(document.uri)
        .filter((d) => (selection.isEmpty ? d.range.start.line <= selection.active.line && selection.active.line <= d.range.end.line : d.range.intersection(selection) !== undefined));
      if (problems.length === 0) {
        void vscode.window.showInformationMessage('Tandem: no problems are reported at the cursor. Put the cursor on a line with a squiggle, or select the code with the problem.');
        return undefined;
      }
      const range = selection.isEmpty ? aroundProblems(document, problems) : wholeLines(document, selection);
      const request: ChatRequest = {
        command: 'fix',
        messages: [{ role: 'user', content: `Fix the problems listed above. The code shown starts at line ${range.start.line + 1} of the file.` }],
        content: [contentPiece(document, 'selection', document.getText(range)), contentPiece(document, 'diagnostics', problems.map(describeProblem).join('\n'))],
      };
      return proposeRewrite(deps, rewriteTask(document, range, request, 'fixing', 'fix'));
    },
  };
}

/** The whole lines of all problems, with a little context on either side. */
function aroundProblems(document: vscode.TextDocument, problems: readonly vscode.Diagnostic[]): vscode.Range {
  const first = Math.max(0, Math.min(...problems.map((p) => p.range.start.line)) - CONTEXT_LINES);
  const last = Math.min(document.lineCount - 1, Math.max(...problems.map((p) => p.range.end.line)) + CONTEXT_LINES);
  return new vscode.Range(first, 0, last, document.lineAt(last).text.length);
}

const SEVERITY: Record<vscode.DiagnosticSeverity, string> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'info',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

function describeProblem(problem: vscode.Diagnostic): string {
  const code = typeof problem.code === 'object' ? problem.code.value : problem.code;
  const origin = [problem.source, code].filter((part) => part !== undefined && part !== '').join(' ');
  return `Line ${problem.range.start.line + 1}, column ${problem.range.start.character + 1}: ${SEVERITY[problem.severity]}${origin ? ` [${origin}]` : ''}: ${problem.message}`;
}
