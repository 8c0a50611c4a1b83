import assert from 'node:assert/strict';
import { PolicySnapshot, compileFolder } from '../../../src/core/policy/effectivePolicy';
import type { PolicyDecision, PolicyFileName, PolicyLayer, PolicyMode } from '../../../src/core/policy/policyTypes';
import { createSecretFileMatcher } from '../../../src/core/policy/secretFiles';
import { folderInputs, type TestFileContent } from './folderInputs';

/** Every state each layer can be in, for one file. */
const USER_MODES: readonly PolicyMode[] = ['hybrid', 'local-only'];
const TOGGLES = [false, true];
const TRUST = [true, false];
const REPO_STATES = [
  'absent',
  'mode-hybrid',
  'mode-local-only',
  'localOnly-glob',
  'exclude-glob',
  'invalid-json',
  'schema-violation',
  'unreadable',
] as const;
const IGNORE_STATES = ['absent', 'matches', 'negated', 'other-path', 'unreadable'] as const;
const IGNORE_FILES: readonly PolicyFileName[] = ['.aiexclude', '.cursorignore', '.codeiumignore'];
const FILES = [
  { path: 'src/billing/app.ts', secret: false },
  { path: 'config/.env.production', secret: true },
] as const;
const LOCATIONS = ['in-folder', 'outside-folders'] as const;

type RepoState = (typeof REPO_STATES)[number];
type IgnoreState = (typeof IGNORE_STATES)[number];

interface Combination {
  readonly userMode: PolicyMode;
  readonly toggle: boolean;
  readonly trusted: boolean;
  readonly repo: RepoState;
  readonly ignore: IgnoreState;
  readonly ignoreFile: PolicyFileName;
  readonly file: (typeof FILES)[number];
  readonly location: (typeof LOCATIONS)[number];
}

function* combinations(): Generator<Combination> {
  for (const userMode of USER_MODES)
    for (const toggle of TOGGLES)
      for (const trusted of TRUST)
        for (const repo of REPO_STATES)
          for (const ignore of IGNORE_STATES)
            for (const ignoreFile of IGNORE_FILES)
              for (const file of FILES)
                for (const location of LOCATIONS) yield { userMode, toggle, trusted, repo, ignore, ignoreFile, file, location };
}

function repoText(state: RepoState, file: string): TestFileContent | undefined {
  const dir = file.slice(0, file.indexOf('/'));
  switch (state) {
    case 'absent':
      return undefined;
    case 'mode-hybrid':
      return '{ "mode": "hybrid" }';
    case 'mode-local-only':
      return '{ "mode": "local-only" }';
    case 'localOnly-glob':
      return JSON.stringify({ localOnly: [`${dir}/**`] });
    case 'exclude-glob':
      return JSON.stringify({ exclude: [`${dir}/**`] });
    case 'invalid-json':
      return '{ "mode": "local-only", ';
    case 'schema-violation':
      return '{ "mode": "cloud" }';
    case 'unreadable':
      return { unreadable: 'EACCES: permission denied' };
  }
}

function ignoreText(state: IgnoreState, file: string): TestFileContent | undefined {
  const dir = file.slice(0, file.indexOf('/'));
  const name = file.slice(file.lastIndexOf('/') + 1);
  switch (state) {
    case 'absent':
      return undefined;
    case 'matches':
      return `# keep this directory away from AI\n\n${dir}/\n`;
    case 'negated':
      return `${file.slice(0, file.lastIndexOf('/'))}/*\n!${name}\n`;
    case 'other-path':
      return 'unrelated/\n';
    case 'unreadable':
      return { unreadable: 'EIO: i/o error' };
  }
}

const secretFiles = createSecretFileMatcher();

function snapshotFor(c: Combination): PolicySnapshot {
  const files: Partial<Record<PolicyFileName, TestFileContent>> = {};
  const repo = repoText(c.repo, c.file.path);
  const ignore = ignoreText(c.ignore, c.file.path);
  if (repo !== undefined) files['.tandem/policy.json'] = repo;
  if (ignore !== undefined) files[c.ignoreFile] = ignore;
  const folder = compileFolder(folderInputs('file:///work/app', files, 'app'), { nocase: false });
  return new PolicySnapshot(
    { userMode: c.userMode, workspaceLocalOnly: c.toggle, trusted: c.trusted, caseInsensitive: false },
    [folder],
    secretFiles,
  );
}

function fileRef(c: Combination): { folder?: string; path: string } {
  return c.location === 'in-folder' ? { folder: 'file:///work/app', path: c.file.path } : { path: `/home/me/${c.file.path}` };
}

/** Written from the layer table in the issue, independently of the implementation's structure. */
function oracle(c: Combination): Pick<PolicyDecision, 'allowAi' | 'allowCloud' | 'layer'> {
  const inFolder = c.location === 'in-folder';
  const exclusions: Array<[boolean, PolicyLayer]> = [
    [c.file.secret, 'builtin-secret'],
    [inFolder && c.repo === 'exclude-glob', 'repo-policy'],
    [inFolder && c.ignore === 'matches', 'ignore-file'],
  ];
  const exclusion = exclusions.find(([applies]) => applies);
  if (exclusion) return { allowAi: false, allowCloud: false, layer: exclusion[1] };
  const broken = inFolder && (['invalid-json', 'schema-violation', 'unreadable'].includes(c.repo) || c.ignore === 'unreadable');
  const restrictions: Array<[boolean, PolicyLayer]> = [
    [broken, 'policy-error'],
    [!c.trusted, 'untrusted'],
    [inFolder && c.repo === 'mode-local-only', 'repo-policy'],
    [c.userMode === 'local-only', 'user-setting'],
    [c.toggle, 'workspace-toggle'],
    [inFolder && c.repo === 'localOnly-glob', 'repo-policy'],
  ];
  const restriction = restrictions.find(([applies]) => applies);
  if (restriction) return { allowAi: true, allowCloud: false, layer: restriction[1] };
  return { allowAi: true, allowCloud: true, layer: 'default' };
}

function workspaceOracle(c: Combination): { allowCloud: boolean; locked: boolean } {
  const broken = ['invalid-json', 'schema-violation', 'unreadable'].includes(c.repo) || c.ignore === 'unreadable';
  const locked = broken || !c.trusted || c.repo === 'mode-local-only' || c.userMode === 'local-only';
  return { allowCloud: !locked && !c.toggle, locked };
}

describe('policy layers: every combination', () => {
  const all = [...combinations()];

  it('covers the full product of layer states', () => {
    assert.equal(all.length, 2 * 2 * 2 * REPO_STATES.length * IGNORE_STATES.length * 3 * 2 * 2);
  });

  it('decides every file as the layer table says, with a reason naming the layer source', () => {
    for (const c of all) {
      const decision = snapshotFor(c).decide(fileRef(c));
      const expected = oracle(c);
      assert.deepEqual(
        { allowAi: decision.allowAi, allowCloud: decision.allowCloud, layer: decision.layer },
        expected,
        `combination ${JSON.stringify(c)}: ${decision.reason}`,
      );
      assert.match(decision.reason, /^[A-Z].*\.$/, 'the reason is a sentence');
      if (decision.layer === 'ignore-file') assert.ok(decision.reason.includes(`app/${c.ignoreFile}`), decision.reason);
      if (decision.layer === 'policy-error') {
        assert.ok(decision.reason.includes('app/.tandem/policy.json') || decision.reason.includes(`app/${c.ignoreFile}`), decision.reason);
      }
    }
  });

  it('answers for the workspace as a whole, and locks when the toggle cannot lift local-only', () => {
    for (const c of all.filter((c) => c.location === 'in-folder' && !c.file.secret)) {
      const workspace = snapshotFor(c).workspace;
      assert.deepEqual({ allowCloud: workspace.allowCloud, locked: workspace.locked }, workspaceOracle(c), JSON.stringify(c));
      assert.equal(workspace.problems.length > 0, workspace.layer === 'policy-error', JSON.stringify(c));
    }
  });

  it('never lets a repository file loosen what the user chose', () => {
    for (const c of all) {
      const withoutRepo = snapshotFor({ ...c, repo: 'absent', ignore: 'absent' }).decide(fileRef(c));
      const withRepo = snapshotFor(c).decide(fileRef(c));
      if (!withoutRepo.allowCloud) assert.equal(withRepo.allowCloud, false, JSON.stringify(c));
      if (!withoutRepo.allowAi) assert.equal(withRepo.allowAi, false, JSON.stringify(c));
    }
  });
});
