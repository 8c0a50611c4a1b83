import { createHash } from 'node:crypto';

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
