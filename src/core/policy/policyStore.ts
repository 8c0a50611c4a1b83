import { compileFolder, PolicySnapshot, type CompiledFolder } from './effectivePolicy';
import { createSecretFileMatcher } from './secretFiles';
import type { FolderInputs, PolicyFileName, PolicyFileState, PolicyMode, WorkspaceInputs } from './policyTypes';

/** Structurally compatible with `vscode.Disposable`. */
export interface Disposable {
  dispose(): void;
}

export type PolicyListener = (snapshot: PolicySnapshot) => void;

/**
 * Holds every layer's input and the effective policy computed from them. Adapters (settings,
 * toggle, trust, file watchers) call `update...`; listeners hear about every change.
 */
export class PolicyStore {
  #inputs: WorkspaceInputs;
  readonly #folderInputs = new Map<string, FolderInputs>();
  readonly #compiled = new Map<string, CompiledFolder>();
  readonly #listeners = new Set<PolicyListener>();
  readonly #secretFiles = createSecretFileMatcher();
  #snapshot: PolicySnapshot;

  constructor(inputs: WorkspaceInputs, folders: readonly FolderInputs[] = []) {
    this.#inputs = inputs;
    for (const folder of folders) {
      this.#storeFolder(folder);
    }
    this.#snapshot = this.#build();
  }

  /** The effective policy now. */
  current(): PolicySnapshot {
    return this.#snapshot;
  }

  updateUserMode(userMode: PolicyMode): void {
    this.#updateInputs({ userMode });
  }

  updateWorkspaceToggle(workspaceLocalOnly: boolean): void {
    this.#updateInputs({ workspaceLocalOnly });
  }

  updateTrust(trusted: boolean): void {
    this.#updateInputs({ trusted });
  }

  /** Adds a workspace folder or replaces all of its policy files. */
  setFolder(folder: FolderInputs): void {
    this.#storeFolder(folder);
    this.#changed();
  }

  /** Records a new state of one policy file (created, edited, deleted, renamed, unreadable). */
  updateFolderFile(folderId: string, fileName: PolicyFileName, state: PolicyFileState): void {
    const folder = this.#knownFolder(folderId);
    if (sameFileState(folder.files[fileName], state)) {
      return;
    }
    this.setFolder({ ...folder, files: { ...folder.files, [fileName]: state } });
  }

  /** Records a new state of an ignore file below a folder's root (`absent` forgets it). */
  updateNestedIgnoreFile(folderId: string, path: string, state: PolicyFileState): void {
    const folder = this.#knownFolder(folderId);
    const { [path]: previous, ...others } = folder.nestedIgnoreFiles ?? {};
    if (previous === undefined ? state.kind === 'absent' : sameFileState(previous, state)) {
      return;
    }
    this.setFolder({ ...folder, nestedIgnoreFiles: state.kind === 'absent' ? others : { ...others, [path]: state } });
  }

  removeFolder(folderId: string): void {
    if (this.#folderInputs.delete(folderId)) {
      this.#compiled.delete(folderId);
      this.#changed();
    }
  }

  /** Calls the listener with the new snapshot after every change. */
  onDidChange(listener: PolicyListener): Disposable {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  #knownFolder(folderId: string): FolderInputs {
    const folder = this.#folderInputs.get(folderId);
    if (folder === undefined) {
      throw new Error(`Workspace folder ${folderId} is not known to the policy store; call setFolder first.`);
    }
    return folder;
  }

  #updateInputs(change: Partial<WorkspaceInputs>): void {
    const next = { ...this.#inputs, ...change };
    if (
      next.userMode === this.#inputs.userMode &&
      next.workspaceLocalOnly === this.#inputs.workspaceLocalOnly &&
      next.trusted === this.#inputs.trusted
    ) {
      return;
    }
    this.#inputs = next;
    this.#changed();
  }

  #storeFolder(folder: FolderInputs): void {
    this.#folderInputs.set(folder.id, folder);
    this.#compiled.set(folder.id, compileFolder(folder, { nocase: this.#inputs.caseInsensitive }));
  }

  #build(): PolicySnapshot {
    return new PolicySnapshot(this.#inputs, [...this.#compiled.values()], this.#secretFiles);
  }

  #changed(): void {
    this.#snapshot = this.#build();
    for (const listener of [...this.#listeners]) {
      listener(this.#snapshot);
    }
  }
}

function sameFileState(a: PolicyFileState, b: PolicyFileState): boolean {
  if (a.kind !== b.kind) {
    return false;
  }
  if (a.kind === 'present' && b.kind === 'present') {
    return a.text === b.text;
  }
  if (a.kind === 'unreadable' && b.kind === 'unreadable') {
    return a.error === b.error;
  }
  return true;
}
