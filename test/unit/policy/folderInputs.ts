import { POLICY_FILE_NAMES, type FolderInputs, type PolicyFileName, type PolicyFileState } from '../../../src/core/policy/policyTypes';

/** What a test puts in a policy file: its text, or `{ unreadable }` for a read error. Missing = absent. */
export type TestFileContent = string | { readonly unreadable: string };

/** Builds complete FolderInputs; files not given are reported absent. */
export function folderInputs(
  id: string,
  files: Partial<Record<PolicyFileName, TestFileContent>> = {},
  name: string = id,
): FolderInputs {
  const states = Object.fromEntries(
    POLICY_FILE_NAMES.map((fileName): [PolicyFileName, PolicyFileState] => [fileName, fileState(files[fileName])]),
  ) as Record<PolicyFileName, PolicyFileState>;
  return { id, name, files: states };
}

export function fileState(content: TestFileContent | undefined): PolicyFileState {
  if (content === undefined) {
    return { kind: 'absent' };
  }
  return typeof content === 'string' ? { kind: 'present', text: content } : { kind: 'unreadable', error: content.unreadable };
}
