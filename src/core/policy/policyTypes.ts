/** Shared vocabulary of the policy layers (pure; no VS Code types). */

/** The user's and the repository's choice of where AI requests may go. */
export type PolicyMode = 'hybrid' | 'local-only';

/** The layer that decided a policy answer; shown to the user together with the reason. */
export type PolicyLayer =
  | 'user-setting'
  | 'workspace-toggle'
  | 'repo-policy'
  | 'ignore-file'
  | 'builtin-secret'
  | 'untrusted'
  | 'policy-error'
  | 'default';

/** The answer for one file (or for the workspace as a whole). */
export interface PolicyDecision {
  /** Content may be sent to a cloud endpoint (through the egress gate). */
  readonly allowCloud: boolean;
  /** Content may be used by any model at all, local included (completions, context). */
  readonly allowAi: boolean;
  readonly layer: PolicyLayer;
  /** A full human sentence, used verbatim in the status bar tooltip and in error messages. */
  readonly reason: string;
}

/**
 * A file as the policy sees it. `folder` is the workspace folder's id (the adapter uses its URI
 * string) and `path` is relative to that folder with `/` separators. A file outside every
 * workspace folder has no `folder`; its `path` is then the absolute path with `/` separators.
 */
export interface FileRef {
  readonly folder?: string;
  readonly path: string;
}

/** The files in a workspace folder that feed the policy, relative to the folder root. */
export const POLICY_FILE_NAMES = ['.tandem/policy.json', '.aiexclude', '.cursorignore', '.codeiumignore'] as const;
export type PolicyFileName = (typeof POLICY_FILE_NAMES)[number];
/** Ignore files: at the folder root, and in any folder below it for the files beneath (as with .gitignore). */
export const IGNORE_FILE_NAMES = ['.aiexclude', '.cursorignore', '.codeiumignore'] as const satisfies readonly PolicyFileName[];

/** What the adapter found when it read one policy file. */
export type PolicyFileState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'present'; readonly text: string }
  | { readonly kind: 'unreadable'; readonly error: string };

/** Everything the policy needs from one workspace folder. Every policy file must be reported. */
export interface FolderInputs {
  /** Stable id used in FileRef.folder (the folder URI string in VS Code). */
  readonly id: string;
  /** Display name used in reasons, e.g. the folder's name. */
  readonly name: string;
  readonly files: Readonly<Record<PolicyFileName, PolicyFileState>>;
  /** Ignore files below the root, by folder-relative path (e.g. `packages/api/.aiexclude`). */
  readonly nestedIgnoreFiles?: Readonly<Record<string, PolicyFileState>>;
}

/** Workspace-wide inputs: the user's setting, the per-workspace toggle, trust, file system. */
export interface WorkspaceInputs {
  readonly userMode: PolicyMode;
  /** The status bar toggle, persisted per workspace. */
  readonly workspaceLocalOnly: boolean;
  readonly trusted: boolean;
  /** Whether the workspace's file system ignores case (globs then match case-insensitively). */
  readonly caseInsensitive: boolean;
}

/** A problem with a policy file; the workspace fails closed (local-only) while it lasts. */
export interface PolicyProblem {
  readonly folder: string;
  /** Display path, e.g. `api/.tandem/policy.json`. */
  readonly file: string;
  /** The sentence shown to the user; names the file, the field and what is wrong. */
  readonly message: string;
}
