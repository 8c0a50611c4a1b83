import { createHash } from 'node:crypto';
import * as vscode from 'vscode';

/** The workspace id of a window without a folder. */
export const NO_WORKSPACE = 'no-workspace';

/**
 * A stable id for the usage ledger that does not reveal the folder's path: a short hash of the
 * first workspace folder's URI, or NO_WORKSPACE.
 */
export function workspaceUsageId(firstFolderUri: string | undefined): string {
  if (firstFolderUri === undefined) return NO_WORKSPACE;
  return createHash('sha256').update(firstFolderUri).digest('hex').slice(0, 16);
}

/** The usage id of the workspace open in this window now. */
export function currentWorkspaceUsageId(): string {
  return workspaceUsageId(vscode.workspace.workspaceFolders?.[0]?.uri.toString());
}
