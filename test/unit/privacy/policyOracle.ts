// An independent model of the policy rules, written by hand for a small vocabulary of files and
// patterns, so the randomized test does not judge PolicyStore by PolicyStore. Each pattern carries
// the test's own idea of what it matches (no picomatch here).

/** One glob of the vocabulary, with what it matches under each file-system case rule. */
export interface OraclePattern {
  readonly glob: string;
  matches(path: string, nocase: boolean): boolean;
}

const fold = (text: string, nocase: boolean): string => (nocase ? text.toLowerCase() : text);
const segments = (path: string): string[] => path.split('/');
const directories = (path: string): string[] => segments(path).slice(0, -1);
const baseName = (path: string): string => segments(path).at(-1) ?? path;

/** Files of each workspace folder (folder-relative). */
export const FILES: readonly string[] = [
  'src/app.ts',
  'src/util.ts',
  'internal/plan.md',
  'Internal/Notes.md',
  'db/seed.sql',
  'db/Schema.SQL',
  'docs/guide.md',
  'secret/keys.ts',
  'lib/secret/inner.ts',
  'README.md',
  // Built-in secret files: never sent whatever the policy says.
  'config/.env.local',
  'certs/server.pem',
  'lib/secrets/token.ts',
];

/** `.tandem/policy.json` globs (picomatch semantics: a glob without a slash matches the name at any depth). */
export const POLICY_GLOBS: readonly OraclePattern[] = [
  { glob: 'internal/**', matches: (p, nc) => fold(p, nc).startsWith('internal/') },
  { glob: '*.sql', matches: (p, nc) => fold(baseName(p), nc).endsWith('.sql') },
  { glob: 'docs/guide.md', matches: (p, nc) => fold(p, nc) === 'docs/guide.md' },
  { glob: '**/secret/**', matches: (p, nc) => directories(p).some((d) => fold(d, nc) === 'secret') },
  { glob: 'README.md', matches: (p, nc) => fold(baseName(p), nc) === fold('README.md', nc) },
  { glob: 'src/app.ts', matches: (p, nc) => fold(p, nc) === 'src/app.ts' },
];

/** Lines of an ignore file (gitignore semantics). A line may hold several rules that belong together. */
export const IGNORE_LINES: readonly OraclePattern[] = [
  { glob: '*.sql', matches: (p, nc) => fold(baseName(p), nc).endsWith('.sql') },
  { glob: 'internal/', matches: (p, nc) => directories(p).some((d) => fold(d, nc) === 'internal') },
  { glob: '/docs/guide.md', matches: (p, nc) => fold(p, nc) === 'docs/guide.md' },
  { glob: 'secret', matches: (p, nc) => segments(p).some((s) => fold(s, nc) === 'secret') },
  { glob: '# a comment, not a rule', matches: () => false },
  // The negation comes after the rule it narrows: every .md except README.md.
  {
    glob: '*.md\n!README.md',
    matches: (p, nc) => fold(baseName(p), nc).endsWith('.md') && fold(baseName(p), nc) !== fold('README.md', nc),
  },
  { glob: 'src/util.ts', matches: (p, nc) => fold(p, nc) === 'src/util.ts' },
];

export function isBuiltinSecretFile(path: string): boolean {
  const lower = path.toLowerCase();
  return baseName(lower).startsWith('.env') || lower.endsWith('.pem') || directories(lower).includes('secrets');
}

/** What the test wrote into `.tandem/policy.json`. */
export type RepoPolicyModel =
  | { readonly kind: 'absent' }
  | { readonly kind: 'broken'; readonly text: string }
  | { readonly kind: 'unreadable' }
  | {
      readonly kind: 'valid';
      readonly mode?: 'hybrid' | 'local-only';
      readonly localOnly: readonly OraclePattern[];
      readonly exclude: readonly OraclePattern[];
      readonly allowCloudHosts?: readonly string[];
    };

export type IgnoreFileModel = { readonly kind: 'absent' } | { readonly kind: 'unreadable' } | { readonly kind: 'present'; readonly lines: readonly OraclePattern[] };

export interface FolderModel {
  policy: RepoPolicyModel;
  ignore: Record<'.aiexclude' | '.cursorignore' | '.codeiumignore', IgnoreFileModel>;
}

export interface WorkspaceModel {
  userLocalOnly: boolean;
  toggle: boolean;
  trusted: boolean;
  nocase: boolean;
  allowedCloudHosts: readonly string[];
  folders: Record<string, FolderModel>;
}

/** The test's answer: may content of `path` in `folder` go to the cloud host `host` now? */
export function oracleAllowsCloud(model: WorkspaceModel, folder: string, path: string, host: string): boolean {
  return workspaceAllowsCloud(model, host) && fileAllowsCloud(model, folder, path, host);
}

/** The workspace-wide part: user mode, toggle, trust, the user's hosts, any broken or forcing policy file. */
export function workspaceAllowsCloud(model: WorkspaceModel, host: string): boolean {
  if (model.userLocalOnly || model.toggle || !model.trusted || !model.allowedCloudHosts.includes(host)) return false;
  return Object.values(model.folders).every(
    (folder) =>
      folder.policy.kind !== 'broken' &&
      folder.policy.kind !== 'unreadable' &&
      !(folder.policy.kind === 'valid' && folder.policy.mode === 'local-only') &&
      Object.values(folder.ignore).every((ignore) => ignore.kind !== 'unreadable'),
  );
}

function fileAllowsCloud(model: WorkspaceModel, folderName: string, path: string, host: string): boolean {
  if (isBuiltinSecretFile(path)) return false;
  const folder = model.folders[folderName];
  const policy = folder.policy;
  if (policy.kind === 'valid') {
    if ([...policy.localOnly, ...policy.exclude].some((pattern) => pattern.matches(path, model.nocase))) return false;
    if (policy.allowCloudHosts !== undefined && !policy.allowCloudHosts.includes(host)) return false;
  }
  return Object.values(folder.ignore).every(
    (ignore) => ignore.kind !== 'present' || !ignore.lines.some((pattern) => pattern.matches(path, model.nocase)),
  );
}

/** The text of a valid policy file. */
export function policyText(policy: Extract<RepoPolicyModel, { kind: 'valid' }>): string {
  return JSON.stringify({
    mode: policy.mode,
    localOnly: policy.localOnly.map((p) => p.glob),
    exclude: policy.exclude.map((p) => p.glob),
    allowCloudHosts: policy.allowCloudHosts,
  });
}

/** The text of an ignore file. */
export function ignoreText(lines: readonly OraclePattern[]): string {
  return lines.map((line) => line.glob).join('\n') + '\n';
}
