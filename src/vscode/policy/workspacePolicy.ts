import * as vscode from 'vscode';
import type { PolicySnapshot } from '../../core/policy/effectivePolicy';
import { PolicyStore } from '../../core/policy/policyStore';
import { IGNORE_FILE_NAMES, POLICY_FILE_NAMES, type FileRef, type PolicyFileName, type PolicyFileState, type PolicyMode, type PolicyProblem } from '../../core/policy/policyTypes';
import { folderId, readPolicyFile, unreadFolderInputs } from './policyFileReader';

/** workspaceState key of the status-bar toggle; each workspace (repository) remembers its own. */
const LOCAL_ONLY_KEY = 'tandem.localOnly';
/** `.tandem` itself is watched too: deleting or renaming the folder may not report the file inside. */
const WATCHED_NAMES = `{.tandem,${POLICY_FILE_NAMES.join(',')}}`;
/** Ignore files at any depth (the root ones are also policy files, read with the others). */
const NESTED_IGNORE_FILES = `**/{${IGNORE_FILE_NAMES.join(',')}}`;
/** Dependencies' ignore files are not the workspace's policy, and searching them is slow. */
const NOT_SEARCHED = '**/node_modules/**';
/**
 * A directory that arrives or leaves with the files in it (moved, checked out, unpacked, deleted)
 * may be reported without them: after a burst of such events with a directory-like name, the
 * folder is searched again.
 */
const RESCAN_AFTER_MS = 500;

export interface WorkspacePolicyOptions {
  /** The user's `tandem.mode` (user layer only, from the settings reader). */
  readonly userMode: () => PolicyMode;
  /** True when a configuration change may have changed `userMode`. */
  readonly affectsUserMode: (event: vscode.ConfigurationChangeEvent) => boolean;
  readonly workspaceState: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
}

/**
 * Feeds the pure PolicyStore from VS Code: the user's mode, the per-workspace toggle, workspace
 * trust, and the policy files of every workspace folder (read with `workspace.fs`, watched, read
 * again on every create, change and delete). Until a folder's files are read it counts as
 * unreadable, so the workspace fails closed rather than open. Owns `tandem.toggleLocalOnly`.
 */
export class WorkspacePolicy implements vscode.Disposable {
  readonly #store: PolicyStore;
  readonly #options: WorkspacePolicyOptions;
  readonly #disposables: vscode.Disposable[] = [];
  readonly #watchers = new Map<string, vscode.Disposable>();
  readonly #rescans = new Map<string, ReturnType<typeof setTimeout>>();
  /** Ignore files below each folder's root that the store holds (to forget those a search no longer finds). */
  readonly #nestedKnown = new Map<string, Set<string>>();
  /** Latest read per folder and file path: an older read finishing late must not overwrite a newer one. */
  readonly #readGeneration = new Map<string, number>();
  readonly #pendingFolders = new Set<string>();
  readonly #changed = new vscode.EventEmitter<PolicySnapshot>();
  #loggedProblems = new Map<string, PolicyProblem>();
  #loggedReason: string | undefined;
  /** Resolves once every folder present at construction has been read. */
  readonly ready: Promise<void>;

  constructor(options: WorkspacePolicyOptions) {
    this.#options = options;
    const folders = vscode.workspace.workspaceFolders ?? [];
    this.#store = new PolicyStore(
      {
        userMode: options.userMode(),
        workspaceLocalOnly: options.workspaceState.get<boolean>(LOCAL_ONLY_KEY, false),
        trusted: vscode.workspace.isTrusted,
        caseInsensitive: process.platform === 'win32' || process.platform === 'darwin',
      },
    );

    const storeSubscription = this.#store.onDidChange((snapshot) => this.#report(snapshot));
    this.#disposables.push(
      this.#changed,
      { dispose: () => storeSubscription.dispose() },
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.#store.updateTrust(true)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (options.affectsUserMode(event)) this.#store.updateUserMode(options.userMode());
      }),
      vscode.workspace.onDidChangeWorkspaceFolders((event) => {
        for (const folder of event.removed) this.#removeFolder(folder);
        for (const folder of event.added) void this.#addFolder(folder);
      }),
      // A watcher reports nothing in a directory `files.watcherExclude` names, nor in one created
      // so recently it has not seen it arrive: before a document's content can be used, the ignore
      // files in the directories above it are read again.
      vscode.workspace.onDidOpenTextDocument((document) => this.#readIgnoreFilesAbove(document.uri)),
      vscode.window.onDidChangeActiveTextEditor((editor) => editor && this.#readIgnoreFilesAbove(editor.document.uri)),
      // Saves and the explorer's (or another extension's) file operations are reported without a watcher.
      vscode.workspace.onDidSaveTextDocument((document) => this.#rereadAt(document.uri, false)),
      vscode.workspace.onDidCreateFiles((event) => event.files.forEach((uri) => this.#rereadAt(uri, true))),
      vscode.workspace.onDidDeleteFiles((event) => event.files.forEach((uri) => this.#rereadAt(uri, false))),
      vscode.workspace.onDidRenameFiles((event) => event.files.forEach(({ oldUri, newUri }) => {
        this.#rereadAt(oldUri, false);
        this.#rereadAt(newUri, true);
      })),
      vscode.commands.registerCommand('tandem.toggleLocalOnly', () => this.toggleLocalOnly()),
      // For the extension-host tests: the effective policy, and the decision for a file when one is given.
      vscode.commands.registerCommand('tandem.internal.policyState', async (file?: string) => {
        await this.ready;
        const snapshot = this.current();
        return { ...snapshot.workspace, loading: this.loading, file: file === undefined ? undefined : snapshot.decide(this.fileRef(vscode.Uri.parse(file))) };
      }),
    );
    // Each folder is registered (unread, so failing closed) before the constructor returns.
    this.ready = Promise.all(folders.map((folder) => this.#addFolder(folder))).then(() => undefined);
  }

  /** The effective policy now (what the egress gate, router and status bar ask). */
  current(): PolicySnapshot {
    return this.#store.current();
  }

  /** True while some workspace folder's policy files are still being read (the workspace is local-only meanwhile). */
  get loading(): boolean {
    return this.#pendingFolders.size > 0;
  }

  readonly onDidChange: vscode.Event<PolicySnapshot> = this.#changed.event;

  /**
   * Flips local-only for this workspace. When another layer forces local-only the toggle could not
   * change anything, so the user is told which layer (and file) decides instead.
   * @returns the workspace toggle after the command
   */
  async toggleLocalOnly(): Promise<boolean> {
    const workspace = this.current().workspace;
    if (workspace.locked) {
      this.#explainLock();
      return workspace.workspaceLocalOnly;
    }
    const next = !workspace.workspaceLocalOnly;
    await this.#options.workspaceState.update(LOCAL_ONLY_KEY, next);
    this.#store.updateWorkspaceToggle(next);
    return next;
  }

  /** The policy's view of a document: its workspace folder and folder-relative path. */
  fileRef(uri: vscode.Uri): FileRef {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (folder === undefined) {
      return { path: uri.scheme === 'file' ? uri.fsPath.replace(/\\/g, '/') : uri.toString() };
    }
    const base = folder.uri.path.endsWith('/') ? folder.uri.path : `${folder.uri.path}/`;
    return { folder: folderId(folder), path: uri.path.slice(base.length) };
  }

  dispose(): void {
    for (const watcher of this.#watchers.values()) watcher.dispose();
    this.#watchers.clear();
    for (const disposable of this.#disposables.splice(0)) disposable.dispose();
  }

  async #addFolder(folder: vscode.WorkspaceFolder): Promise<void> {
    const id = folderId(folder);
    if (this.#watchers.has(id)) return;
    this.#pendingFolders.add(id);
    this.#store.setFolder(unreadFolderInputs(folder));
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, WATCHED_NAMES));
    const reread = (uri: vscode.Uri): void => {
      const fileName = policyFileOf(folder, uri);
      if (fileName !== undefined) void this.#rereadFile(folder, fileName);
    };
    const nestedWatcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, NESTED_IGNORE_FILES));
    const rereadNested = (uri: vscode.Uri): void => {
      const path = nestedIgnoreFileOf(folder, uri);
      if (path !== undefined) void this.#rereadNested(folder, path);
    };
    const arrivals = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**'), false, true, false);
    const rescanSoon = (uri: vscode.Uri): void => {
      if (!looksLikeDirectory(uri) || this.#rescans.has(id)) return;
      this.#rescans.set(id, setTimeout(() => {
        this.#rescans.delete(id);
        void this.#findNested(folder);
      }, RESCAN_AFTER_MS));
    };
    this.#watchers.set(
      id,
      vscode.Disposable.from(
        watcher,
        watcher.onDidCreate(reread),
        watcher.onDidChange(reread),
        watcher.onDidDelete(reread),
        nestedWatcher,
        nestedWatcher.onDidCreate(rereadNested),
        nestedWatcher.onDidChange(rereadNested),
        nestedWatcher.onDidDelete(rereadNested),
        arrivals,
        arrivals.onDidCreate(rescanSoon),
        arrivals.onDidDelete(rescanSoon),
        { dispose: () => clearTimeout(this.#rescans.get(id)) },
      ),
    );
    // Ignore files below the root first: the root files still count as unreadable meanwhile, so
    // the folder stays closed until every ignore file in it is known.
    await this.#findNested(folder);
    await Promise.all(POLICY_FILE_NAMES.map((fileName) => this.#rereadFile(folder, fileName)));
    if (this.#pendingFolders.delete(id)) this.#report(this.current());
  }

  async #findNested(folder: vscode.WorkspaceFolder): Promise<void> {
    let found: vscode.Uri[];
    try {
      found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, NESTED_IGNORE_FILES), NOT_SEARCHED);
    } catch (error) {
      // Not knowing them is a problem like an unreadable one: the folder fails closed.
      this.#store.updateNestedIgnoreFile(folderId(folder), NESTED_IGNORE_FILES, { kind: 'unreadable', error: `the search for them failed (${error instanceof Error ? error.message : String(error)})` });
      return;
    }
    this.#store.updateNestedIgnoreFile(folderId(folder), NESTED_IGNORE_FILES, { kind: 'absent' });
    const paths = new Set(found.map((uri) => nestedIgnoreFileOf(folder, uri)).filter((path) => path !== undefined));
    // Known ones the search did not find are read again too: they read as absent when they are gone.
    for (const known of this.#nestedKnown.get(folderId(folder)) ?? []) paths.add(known);
    await Promise.all([...paths].map((path) => this.#rereadNested(folder, path)));
  }

  /** Reads every ignore file that may lie in the directories between `uri`'s folder root and it (read as absent when missing). */
  #readIgnoreFilesAbove(uri: vscode.Uri): void {
    const location = this.#locate(uri);
    if (location === undefined) return;
    const { folder, relative } = location;
    const directories = relative.split('/').slice(0, -1);
    // Dependencies' ignore files are not the workspace's policy (as in the search).
    const end = directories.includes('node_modules') ? directories.indexOf('node_modules') : directories.length;
    for (let depth = 1; depth <= end; depth++) {
      const directory = directories.slice(0, depth).join('/');
      for (const name of IGNORE_FILE_NAMES) void this.#rereadNested(folder, `${directory}/${name}`);
    }
  }

  /**
   * Reads again the policy or ignore file at `uri`, and the known ignore files below it (when it is
   * a directory); a directory that `arrived` (created, or renamed to here) is searched for new ones.
   */
  #rereadAt(uri: vscode.Uri, arrived: boolean): void {
    const location = this.#locate(uri);
    if (location === undefined) return;
    const { folder, relative } = location;
    const fileName = policyFileOf(folder, uri);
    if (fileName !== undefined) void this.#rereadFile(folder, fileName);
    const nested = nestedIgnoreFileOf(folder, uri);
    if (nested !== undefined) void this.#rereadNested(folder, nested);
    for (const known of this.#nestedKnown.get(folderId(folder)) ?? []) {
      if (known.startsWith(`${relative}/`)) void this.#rereadNested(folder, known);
    }
    if (arrived && fileName === undefined && nested === undefined) {
      void vscode.workspace.fs.stat(uri).then(
        (stat) => (stat.type & vscode.FileType.Directory ? this.#findNested(folder) : undefined),
        () => undefined,
      );
    }
  }

  /** The workspace folder (one whose policy is kept) and folder-relative path of `uri`. */
  #locate(uri: vscode.Uri): { folder: vscode.WorkspaceFolder; relative: string } | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const relative = folder && this.#watchers.has(folderId(folder)) ? relativePath(folder, uri) : undefined;
    return folder === undefined || relative === undefined ? undefined : { folder, relative };
  }

  async #rereadFile(folder: vscode.WorkspaceFolder, fileName: PolicyFileName): Promise<void> {
    const state = await this.#latestRead(folder, fileName);
    if (state !== undefined) this.#store.updateFolderFile(folderId(folder), fileName, state);
  }

  async #rereadNested(folder: vscode.WorkspaceFolder, path: string): Promise<void> {
    const state = await this.#latestRead(folder, path);
    if (state === undefined) return;
    const id = folderId(folder);
    const known = this.#nestedKnown.get(id) ?? new Set<string>();
    if (state.kind === 'absent') known.delete(path);
    else known.add(path);
    this.#nestedKnown.set(id, known);
    this.#store.updateNestedIgnoreFile(id, path, state);
  }

  /** Reads a policy file; undefined when a newer read of it started meanwhile or the folder is gone. */
  async #latestRead(folder: vscode.WorkspaceFolder, path: string): Promise<PolicyFileState | undefined> {
    const id = folderId(folder);
    const generation = this.#nextGeneration(id, path);
    const state = await readPolicyFile(folder.uri, path);
    return this.#watchers.has(id) && this.#readGeneration.get(generationKey(id, path)) === generation ? state : undefined;
  }

  #removeFolder(folder: vscode.WorkspaceFolder): void {
    const id = folderId(folder);
    this.#watchers.get(id)?.dispose();
    this.#watchers.delete(id);
    this.#rescans.delete(id);
    this.#nestedKnown.delete(id);
    this.#pendingFolders.delete(id);
    for (const key of [...this.#readGeneration.keys()]) if (key.startsWith(generationKey(id, ''))) this.#readGeneration.delete(key);
    this.#store.removeFolder(id);
  }

  #nextGeneration(id: string, path: string): number {
    const key = generationKey(id, path);
    const next = (this.#readGeneration.get(key) ?? 0) + 1;
    this.#readGeneration.set(key, next);
    return next;
  }

  /** Logs what changed for the user (problems by file and error, never content; the mode), then tells listeners. */
  #report(snapshot: PolicySnapshot): void {
    const { log } = this.#options;
    const current = new Map(
      snapshot.workspace.problems
        .filter((problem) => !this.#pendingFolders.has(problem.folder))
        .map((problem): [string, PolicyProblem] => [`${problem.folder}\n${problem.message}`, problem]),
    );
    for (const [key, problem] of current) {
      if (!this.#loggedProblems.has(key)) log.error(`[Policy] ${problem.message} Failing closed: this workspace is local-only until it is fixed.`);
    }
    for (const [key, problem] of this.#loggedProblems) {
      if (!current.has(key)) log.info(`[Policy] ${problem.file} no longer has that problem.`);
    }
    this.#loggedProblems = current;
    if (!this.loading && snapshot.workspace.reason !== this.#loggedReason) {
      this.#loggedReason = snapshot.workspace.reason;
      log.info(`[Policy] ${snapshot.workspace.reason}`);
    }
    this.#changed.fire(snapshot);
  }

  #explainLock(): void {
    const snapshot = this.current();
    const file = this.#decidingFile(snapshot);
    const message = `${snapshot.workspace.reason} The status-bar toggle cannot change that.`;
    const show = snapshot.workspace.layer === 'policy-error' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const open = file === undefined ? [] : [`Open ${vscode.workspace.asRelativePath(file)}`];
    // Not awaited: the command returns while the message is up.
    void show(message, ...open).then((choice) => {
      if (choice !== undefined && file !== undefined) void vscode.window.showTextDocument(file);
    });
  }

  /** The policy file that forces local-only, when a file does (a broken one first, then a repository policy). */
  #decidingFile(snapshot: PolicySnapshot): vscode.Uri | undefined {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const problem = snapshot.workspace.problems[0];
    if (snapshot.workspace.layer === 'policy-error' && problem !== undefined) {
      // The problem's file is shown as `<folder name>/<path in the folder>`.
      const folder = folders.find((candidate) => folderId(candidate) === problem.folder);
      const prefix = `${folder?.name}/`;
      return folder === undefined || !problem.file.startsWith(prefix) || problem.file.includes('*') ? undefined : vscode.Uri.joinPath(folder.uri, problem.file.slice(prefix.length));
    }
    if (snapshot.workspace.layer === 'repo-policy') {
      const folder = folders.find((candidate) => snapshot.folder(folderId(candidate)).layer === 'repo-policy');
      return folder === undefined ? undefined : vscode.Uri.joinPath(folder.uri, '.tandem/policy.json');
    }
    return undefined;
  }
}

function generationKey(folder: string, path: string): string {
  return `${folder}\n${path}`;
}

function relativePath(folder: vscode.WorkspaceFolder, uri: vscode.Uri): string | undefined {
  const base = folder.uri.path.endsWith('/') ? folder.uri.path : `${folder.uri.path}/`;
  return uri.path.startsWith(base) ? uri.path.slice(base.length) : undefined;
}

/** Which policy file an event is about; an event on `.tandem` itself concerns the policy file inside. */
function policyFileOf(folder: vscode.WorkspaceFolder, uri: vscode.Uri): PolicyFileName | undefined {
  const relative = relativePath(folder, uri);
  if (relative === '.tandem') return '.tandem/policy.json';
  return POLICY_FILE_NAMES.find((name) => name === relative);
}

/**
 * Directory names rarely have an extension (file names mostly do); a wrong guess costs one search.
 * Inside `.git` and `node_modules` (never searched) nothing counts.
 */
function looksLikeDirectory(uri: vscode.Uri): boolean {
  if (/\/(\.git|node_modules)\//.test(uri.path)) return false;
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  return !name.slice(1).includes('.');
}

/** The folder-relative path of an ignore file below the folder's root (root ones are policy files). */
function nestedIgnoreFileOf(folder: vscode.WorkspaceFolder, uri: vscode.Uri): string | undefined {
  const relative = relativePath(folder, uri);
  const slash = relative?.lastIndexOf('/') ?? -1;
  return relative !== undefined && slash > 0 && (IGNORE_FILE_NAMES as readonly string[]).includes(relative.slice(slash + 1)) ? relative : undefined;
}
