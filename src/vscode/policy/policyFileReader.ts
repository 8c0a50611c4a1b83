import * as vscode from 'vscode';
import { POLICY_FILE_NAMES, type FolderInputs, type PolicyFileName, type PolicyFileState } from '../../core/policy/policyTypes';

/** Larger policy files are treated as unreadable: they are config, not data, and parsing them must stay cheap. */
const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/**
 * Reads one policy file (`path` relative to the folder) through `vscode.workspace.fs` (local disk,
 * remote or virtual alike). Never throws: a missing file is `absent`; anything else that goes
 * wrong is `unreadable` with the error (the workspace then fails closed), never the content.
 */
export async function readPolicyFile(folder: vscode.Uri, path: string): Promise<PolicyFileState> {
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, path));
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') {
      return { kind: 'absent' };
    }
    return { kind: 'unreadable', error: fileSystemErrorText(error) };
  }
  if (bytes.byteLength > MAX_POLICY_FILE_BYTES) {
    return { kind: 'unreadable', error: `larger than ${MAX_POLICY_FILE_BYTES} bytes` };
  }
  try {
    return { kind: 'present', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'unreadable', error: 'not valid UTF-8 text' };
  }
}

/** Inputs for a folder whose files have not been read yet: fail closed until they are. */
export function unreadFolderInputs(folder: vscode.WorkspaceFolder): FolderInputs {
  const state: PolicyFileState = { kind: 'unreadable', error: 'still being read' };
  const files = Object.fromEntries(POLICY_FILE_NAMES.map((fileName) => [fileName, state])) as Record<PolicyFileName, PolicyFileState>;
  return { id: folderId(folder), name: folder.name, files };
}

/** The policy's id of a workspace folder (FileRef.folder). */
export function folderId(folder: vscode.WorkspaceFolder): string {
  return folder.uri.toString();
}

/** A FileSystemError's code (e.g. `NoPermissions`, `FileIsADirectory`) says what happened without the path's owner's data. */
function fileSystemErrorText(error: unknown): string {
  if (error instanceof vscode.FileSystemError) {
    return error.code || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
