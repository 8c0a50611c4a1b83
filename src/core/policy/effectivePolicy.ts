import { GlobList, normalizeRelativePath } from './globList';
import { IgnoreRules } from './ignoreFile';
import {
  IGNORE_FILE_NAMES,
  type FileRef,
  type FolderInputs,
  type PolicyDecision,
  type PolicyFileName,
  type PolicyFileState,
  type PolicyProblem,
  type WorkspaceInputs,
} from './policyTypes';
import { parseRepoPolicy, PolicyFileError, type RepoPolicy } from './repoPolicyFile';
import { createSecretFileMatcher } from './secretFiles';

const REPO_POLICY_FILE: PolicyFileName = '.tandem/policy.json';

/** One folder's policy files, parsed and compiled once per change. */
export interface CompiledFolder {
  readonly id: string;
  readonly name: string;
  readonly problems: readonly PolicyProblem[];
  /** Undefined when the folder has no valid policy file. */
  readonly repo?: {
    readonly file: string;
    readonly policy: RepoPolicy;
    readonly localOnly: GlobList;
    readonly exclude: GlobList;
  };
  readonly ignoreFiles: readonly CompiledIgnoreFile[];
}

/** An ignore file's rules, for the paths below the folder it is in. */
interface CompiledIgnoreFile {
  /** Display path, e.g. `api/packages/web/.aiexclude`. */
  readonly file: string;
  readonly rules: IgnoreRules;
  /** The path relative to the ignore file's folder, or undefined when the path is not below it. */
  readonly below: (path: string) => string | undefined;
}

/** The workspace-wide answer, plus what the status bar needs to present it. */
export interface WorkspacePolicy extends PolicyDecision {
  /** True when local-only is forced by a layer other than the workspace toggle (toggling cannot lift it). */
  readonly locked: boolean;
  readonly workspaceLocalOnly: boolean;
  /** Policy files that failed to load; the workspace is local-only while any exist. */
  readonly problems: readonly PolicyProblem[];
}

/** Parses a folder's policy files. Never throws: problems are recorded and make the folder local-only. */
export function compileFolder(inputs: FolderInputs, options: { readonly nocase: boolean }): CompiledFolder {
  const problems: PolicyProblem[] = [];
  const displayPath = (path: string): string => `${inputs.name}/${path}`;
  const textOf = (path: string, state: PolicyFileState): string | undefined => {
    if (state.kind === 'unreadable') {
      problems.push({
        folder: inputs.id,
        file: displayPath(path),
        message: `${displayPath(path)} could not be read (${state.error}).`,
      });
    }
    return state.kind === 'present' ? state.text : undefined;
  };
  const readText = (fileName: PolicyFileName): string | undefined => textOf(fileName, inputs.files[fileName]);

  // Anything that goes wrong compiling a file (parse errors, a glob picomatch rejects) is a problem, not a crash.
  const compile = <T>(file: string, build: () => T): T | undefined => {
    try {
      return build();
    } catch (error) {
      const detail = PolicyFileError.is(error) ? error.message : `${file}: ${(error as Error).message}`;
      problems.push({ folder: inputs.id, file, message: `${detail}.` });
      return undefined;
    }
  };

  const repoText = readText(REPO_POLICY_FILE);
  const repoFile = displayPath(REPO_POLICY_FILE);
  const repo =
    repoText === undefined
      ? undefined
      : compile(repoFile, () => {
          const policy = parseRepoPolicy(repoText, repoFile);
          return {
            file: repoFile,
            policy,
            localOnly: new GlobList(policy.localOnly, options),
            exclude: new GlobList(policy.exclude, options),
          };
        });
  const ignoreFiles = [...IGNORE_FILE_NAMES.map((name): [string, PolicyFileState] => [name, inputs.files[name]]), ...Object.entries(inputs.nestedIgnoreFiles ?? {})].flatMap(
    ([path, state]): CompiledIgnoreFile[] => {
      const text = textOf(path, state);
      const file = displayPath(path);
      const rules = text === undefined ? undefined : compile(file, () => new IgnoreRules(text, options));
      return rules === undefined ? [] : [{ file, rules, below: belowFolderOf(path, options.nocase) }];
    },
  );
  return { id: inputs.id, name: inputs.name, problems, repo, ignoreFiles };
}

/** For an ignore file at `filePath`: the folder-relative paths below its folder, made relative to it. */
function belowFolderOf(filePath: string, nocase: boolean): (path: string) => string | undefined {
  const slash = filePath.lastIndexOf('/');
  if (slash < 0) return (path) => path;
  const prefix = filePath.slice(0, slash + 1);
  const key = nocase ? prefix.toLowerCase() : prefix;
  return (path) => ((nocase ? path.toLowerCase() : path).startsWith(key) ? path.slice(prefix.length) : undefined);
}

/**
 * An immutable view of the effective policy: every answer comes from the same inputs, so one
 * request is judged consistently even while settings or files change.
 */
export class PolicySnapshot {
  readonly workspace: WorkspacePolicy;
  readonly #inputs: WorkspaceInputs;
  readonly #folders: ReadonlyMap<string, CompiledFolder>;
  readonly #secretFiles: GlobList;

  /** @param secretFiles the built-in secret-file matcher; pass one to share it across snapshots (compiling it is the costly part). */
  constructor(inputs: WorkspaceInputs, folders: readonly CompiledFolder[], secretFiles: GlobList = createSecretFileMatcher()) {
    this.#inputs = inputs;
    this.#secretFiles = secretFiles;
    this.#folders = new Map(folders.map((folder) => [folder.id, folder]));
    const decision = modeDecision(inputs, folders);
    this.workspace = {
      ...decision,
      locked: !modeDecision({ ...inputs, workspaceLocalOnly: false }, folders).allowCloud,
      workspaceLocalOnly: inputs.workspaceLocalOnly,
      problems: folders.flatMap((folder) => folder.problems),
    };
  }

  /** The mode-level answer for one workspace folder (what the status bar shows for its files). */
  folder(id: string): PolicyDecision {
    const folder = this.#folders.get(id);
    return folder === undefined ? unknownFolder(id) : modeDecision(this.#inputs, [folder]);
  }

  /** The answer for one file: may any model use it, may it go to a cloud, and why. */
  decide(file: FileRef): PolicyDecision {
    const path = normalizeRelativePath(file.path);
    const secretGlob = this.#secretFiles.firstMatch(path);
    if (secretGlob !== undefined) {
      return excluded('builtin-secret', `${path} looks like a secrets file (built-in rule "${secretGlob}")`);
    }
    if (file.folder === undefined) {
      return withFile(modeDecision(this.#inputs, []), path);
    }
    const folder = this.#folders.get(file.folder);
    if (folder === undefined) {
      return unknownFolder(file.folder);
    }
    const shown = `${folder.name}/${path}`;
    const excludeGlob = folder.repo?.exclude.firstMatch(path);
    if (excludeGlob !== undefined) {
      return excluded('repo-policy', `${shown} matches exclude pattern "${excludeGlob}" in ${folder.repo?.file}`);
    }
    // Every ignore file that covers the path counts: a deeper one cannot re-include what another excludes.
    for (const ignoreFile of folder.ignoreFiles) {
      const below = ignoreFile.below(path);
      const match = below === undefined ? undefined : ignoreFile.rules.match(below);
      if (match !== undefined) {
        return excluded('ignore-file', `${shown} matches "${match.pattern}" in ${ignoreFile.file} (line ${match.line})`);
      }
    }
    const mode = modeDecision(this.#inputs, [folder]);
    if (!mode.allowCloud) {
      return withFile(mode, shown);
    }
    const localOnlyGlob = folder.repo?.localOnly.firstMatch(path);
    if (localOnlyGlob !== undefined) {
      return {
        allowAi: true,
        allowCloud: false,
        layer: 'repo-policy',
        reason: `Local-only: ${shown} matches localOnly pattern "${localOnlyGlob}" in ${folder.repo?.file}.`,
      };
    }
    return withFile(mode, shown);
  }

  /**
   * Cloud hosts the repository lets this file's content go to; undefined when the repository does
   * not narrow the user's list. Files outside any folder are not narrowed.
   */
  cloudHostsFor(file: FileRef): { readonly hosts: readonly string[]; readonly source: string } | undefined {
    const repo = file.folder === undefined ? undefined : this.#folders.get(file.folder)?.repo;
    const hosts = repo?.policy.allowCloudHosts;
    return repo === undefined || hosts === undefined ? undefined : { hosts, source: repo.file };
  }
}

/**
 * Workspace-level layers, strictest first. When several force local-only, the one reported is the
 * one the user must act on: a broken file, then trust, then the repository (which the toggle cannot
 * lift), then the user's own setting, then the toggle.
 */
function modeDecision(inputs: WorkspaceInputs, folders: readonly CompiledFolder[]): PolicyDecision {
  const problem = folders.flatMap((folder) => folder.problems)[0];
  if (problem !== undefined) {
    return localOnly('policy-error', `Local-only (failing closed): ${problem.message}`);
  }
  if (!inputs.trusted) {
    return localOnly('untrusted', 'Local-only: this workspace is not trusted, so nothing is sent to a cloud model.');
  }
  const forcing = folders.find((folder) => folder.repo?.policy.mode === 'local-only');
  if (forcing?.repo !== undefined) {
    return localOnly('repo-policy', `Local-only: the repository policy ${forcing.repo.file} sets "mode": "local-only".`);
  }
  if (inputs.userMode === 'local-only') {
    return localOnly('user-setting', 'Local-only: your setting tandem.mode is "local-only".');
  }
  if (inputs.workspaceLocalOnly) {
    return localOnly('workspace-toggle', 'Local-only: you switched this workspace to local-only.');
  }
  return {
    allowAi: true,
    allowCloud: true,
    layer: 'default',
    reason: 'Hybrid: no setting, toggle or repository policy keeps this workspace local.',
  };
}

function localOnly(layer: PolicyDecision['layer'], reason: string): PolicyDecision {
  return { allowAi: true, allowCloud: false, layer, reason };
}

function excluded(layer: PolicyDecision['layer'], detail: string): PolicyDecision {
  return { allowAi: false, allowCloud: false, layer, reason: `Excluded from AI: ${detail}.` };
}

function withFile(decision: PolicyDecision, shown: string): PolicyDecision {
  return decision.allowCloud
    ? { ...decision, reason: `Cloud allowed for ${shown}: no setting, toggle or policy restricts it.` }
    : decision;
}

function unknownFolder(id: string): PolicyDecision {
  return localOnly('policy-error', `Local-only (failing closed): the policy of workspace folder ${id} has not been loaded.`);
}
