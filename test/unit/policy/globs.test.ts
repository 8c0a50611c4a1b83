import assert from 'node:assert/strict';
import { GlobList } from '../../../src/core/policy/globList';
import { IgnoreRules } from '../../../src/core/policy/ignoreFile';
import { PolicyStore } from '../../../src/core/policy/policyStore';
import { createSecretFileMatcher } from '../../../src/core/policy/secretFiles';
import { fileState, folderInputs } from './folderInputs';

describe('policy globs', () => {
  describe('repository globs', () => {
    it('match workspace-relative paths, dot files included, and cover directories', () => {
      const globs = new GlobList(['src/billing/**', 'docs/internal', '**/*.sql', 'fixtures/*.json'], { nocase: false });
      assert.equal(globs.firstMatch('src/billing/invoice.ts'), 'src/billing/**');
      assert.equal(globs.firstMatch('src/billing/.hidden/cfg.ts'), 'src/billing/**');
      assert.equal(globs.firstMatch('docs/internal/deep/plan.md'), 'docs/internal');
      assert.equal(globs.firstMatch('db/migrations/001.sql'), '**/*.sql');
      assert.equal(globs.firstMatch('fixtures/a.json'), 'fixtures/*.json');
      assert.equal(globs.firstMatch('fixtures/nested/a.json'), undefined, 'a single star stays in one directory');
      assert.equal(globs.firstMatch('src/billingx/a.ts'), undefined);
      assert.equal(globs.firstMatch('docs/internal.md'), undefined);
      assert.equal(globs.firstMatch('other/src/billing/a.ts'), undefined, 'globs with a slash are anchored at the root');
    });

    it('match a slash-free glob at any depth, like gitignore', () => {
      const globs = new GlobList(['*.pem', 'vendor', '.env*'], { nocase: false });
      assert.equal(globs.firstMatch('deploy/certs/site.pem'), '*.pem');
      assert.equal(globs.firstMatch('packages/a/vendor/lib.js'), 'vendor');
      assert.equal(globs.firstMatch('services/api/.env.local'), '.env*');
      assert.equal(globs.firstMatch('vendored.js'), undefined);
    });

    it('accept ./, / and \\ spellings of the same path', () => {
      const globs = new GlobList(['./src/secret/**'], { nocase: false });
      assert.equal(globs.firstMatch('src\\secret\\a.ts'), './src/secret/**');
      assert.equal(globs.firstMatch('/src/secret/a.ts'), './src/secret/**');
    });

    it('follow the file system on case', () => {
      const sensitive = new GlobList(['Docs/Private/**', '*.KEY'], { nocase: false });
      const insensitive = new GlobList(['Docs/Private/**', '*.KEY'], { nocase: true });
      assert.equal(sensitive.firstMatch('docs/private/a.md'), undefined);
      assert.equal(sensitive.firstMatch('Docs/Private/a.md'), 'Docs/Private/**');
      assert.equal(insensitive.firstMatch('docs/PRIVATE/a.md'), 'Docs/Private/**');
      assert.equal(sensitive.firstMatch('a/b.key'), undefined);
      assert.equal(insensitive.firstMatch('a/b.key'), '*.KEY');
    });

    it('report the first matching pattern when several match', () => {
      const globs = new GlobList(['**/*.ts', 'src/**'], { nocase: false });
      assert.equal(globs.firstMatch('src/a.ts'), '**/*.ts');
      assert.equal(globs.firstMatch('src/a.js'), 'src/**');
    });
  });

  describe('ignore files (.aiexclude, .cursorignore, .codeiumignore)', () => {
    const text = [
      '# comments and blank lines are skipped',
      '',
      '*.log',
      '!keep.log',
      '/build',
      'tmp/',
      'docs/*.md',
      '\\#literal-hash',
      'private/',
      '!private/readme.md',
      'trailing-space.txt   ',
    ].join('\n');
    const rules = new IgnoreRules(text, { nocase: false });
    const cases: ReadonlyArray<[string, string | undefined]> = [
      ['server.log', '*.log'],
      ['logs/deep/server.log', '*.log'],
      ['logs/keep.log', undefined],
      ['build/out.js', '/build'],
      ['build', '/build'],
      ['packages/build/out.js', undefined],
      ['tmp/a.txt', 'tmp/'],
      ['src/tmp/a.txt', 'tmp/'],
      ['tmp', undefined],
      ['docs/guide.md', 'docs/*.md'],
      ['docs/api/guide.md', undefined],
      ['pkg/docs/guide.md', undefined],
      ['#literal-hash', '\\#literal-hash'],
      ['# comments and blank lines are skipped', undefined],
      ['private/readme.md', 'private/'],
      ['trailing-space.txt', 'trailing-space.txt'],
      ['src/index.ts', undefined],
    ];
    for (const [path, pattern] of cases) {
      it(`${path} -> ${pattern ?? 'not excluded'}`, () => {
        assert.equal(rules.match(path)?.pattern, pattern);
      });
    }

    it('reports the line of the deciding rule', () => {
      assert.equal(rules.match('a/b.log')?.line, 3);
      assert.equal(rules.match('tmp/x')?.line, 6);
    });

    it('lets a later rule re-exclude what a negation re-included', () => {
      const later = new IgnoreRules('*.log\n!keep.log\nsecret/keep.log\n', { nocase: false });
      assert.equal(later.match('keep.log'), undefined);
      assert.equal(later.match('secret/keep.log')?.pattern, 'secret/keep.log');
    });

    it('matches dot files and ignores case only on a case-insensitive file system', () => {
      assert.equal(new IgnoreRules('.secrets/\n', { nocase: false }).match('.secrets/a')?.pattern, '.secrets/');
      assert.equal(new IgnoreRules('Secret.txt\n', { nocase: false }).match('secret.txt'), undefined);
      assert.equal(new IgnoreRules('Secret.txt\n', { nocase: true }).match('secret.txt')?.pattern, 'Secret.txt');
    });

    it('handles CRLF line endings', () => {
      assert.equal(new IgnoreRules('a.txt\r\nb.txt\r\n', { nocase: false }).match('b.txt')?.pattern, 'b.txt');
    });
  });

  describe('built-in secret files', () => {
    const secrets = createSecretFileMatcher();
    const excluded = [
      '.env',
      '.env.local',
      'services/api/.env.production',
      'certs/server.pem',
      'tls/private.key',
      'home/.ssh/id_rsa',
      'home/.ssh/id_ed25519.pub',
      'config/secrets/db.yaml',
      'secrets/nested/deep/token.txt',
      'certs/client.p12',
      'certs/client.PFX',
      '.npmrc',
      'pkg/.netrc',
      'gcp/credentials.json',
      '.aws/credentials',
      'infra/prod.tfvars',
    ];
    const allowed = ['src/env.ts', 'src/environment.ts', 'docs/secrets.md', 'src/keyboard.ts', 'src/monkey.ts', 'pem/readme.md', 'README.md'];
    for (const path of excluded) it(`excludes ${path}`, () => assert.notEqual(secrets.firstMatch(path), undefined));
    for (const path of allowed) it(`allows ${path}`, () => assert.equal(secrets.firstMatch(path), undefined));
  });

  describe('ignore files below the folder root', () => {
    const HYBRID = { userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false } as const;
    const nested = (files: Record<string, string | { unreadable: string }>, root: Parameters<typeof folderInputs>[1] = {}, caseInsensitive = false) => {
      const inputs = folderInputs('file:///mono', root, 'mono');
      const nestedIgnoreFiles = Object.fromEntries(Object.entries(files).map(([path, content]) => [path, fileState(content)]));
      return new PolicyStore({ ...HYBRID, caseInsensitive }, [{ ...inputs, nestedIgnoreFiles }]).current();
    };

    it('apply to the files below their own folder, with paths relative to it, and name the file', () => {
      const policy = nested({ 'packages/api/.aiexclude': 'internal/\n/config.ts\n' });
      const hidden = policy.decide({ folder: 'file:///mono', path: 'packages/api/internal/plan.ts' });
      assert.deepEqual([hidden.allowAi, hidden.allowCloud, hidden.layer], [false, false, 'ignore-file']);
      assert.match(hidden.reason, /mono\/packages\/api\/internal\/plan\.ts matches "internal\/" in mono\/packages\/api\/\.aiexclude \(line 1\)/);
      assert.equal(policy.decide({ folder: 'file:///mono', path: 'packages/api/config.ts' }).allowAi, false, 'anchored at its own folder');
      assert.equal(policy.decide({ folder: 'file:///mono', path: 'packages/api/src/config.ts' }).allowAi, true);
      assert.equal(policy.decide({ folder: 'file:///mono', path: 'internal/plan.ts' }).allowAi, true, 'not above its folder');
      assert.equal(policy.decide({ folder: 'file:///mono', path: 'packages/apix/internal/plan.ts' }).allowAi, true, 'not in a sibling with the same prefix');
    });

    it('cannot re-include what another ignore file excludes', () => {
      const policy = nested({ 'packages/api/.cursorignore': '!*.sql\n' }, { '.aiexclude': '*.sql\n' });
      assert.equal(policy.decide({ folder: 'file:///mono', path: 'packages/api/schema.sql' }).allowAi, false);
    });

    it('fail closed when one cannot be read, naming it', () => {
      const policy = nested({ 'packages/web/.codeiumignore': { unreadable: 'NoPermissions' } });
      assert.deepEqual([policy.workspace.allowCloud, policy.workspace.layer], [false, 'policy-error']);
      assert.match(policy.workspace.problems[0]!.message, /mono\/packages\/web\/\.codeiumignore could not be read \(NoPermissions\)/);
    });

    it('match the folder case-insensitively where the file system does', () => {
      assert.equal(nested({ 'Packages/API/.aiexclude': 'internal/\n' }, {}, true).decide({ folder: 'file:///mono', path: 'packages/api/Internal/k.ts' }).allowAi, false);
    });
  });

  describe('multi-root workspaces', () => {
    it('apply each folder its own policy, on the folder-relative path', () => {
      const store = new PolicyStore({ userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false }, [
        folderInputs('file:///api', { '.tandem/policy.json': '{ "localOnly": ["src/**"] }' }, 'api'),
        folderInputs('file:///web', { '.aiexclude': 'src/generated/\n' }, 'web'),
      ]);
      const policy = store.current();
      const api = policy.decide({ folder: 'file:///api', path: 'src/generated/a.ts' });
      const web = policy.decide({ folder: 'file:///web', path: 'src/generated/a.ts' });
      const webOther = policy.decide({ folder: 'file:///web', path: 'src/app.ts' });
      assert.deepEqual([api.allowAi, api.allowCloud, api.layer], [true, false, 'repo-policy']);
      assert.match(api.reason, /api\/src\/generated\/a\.ts matches localOnly pattern "src\/\*\*" in api\/\.tandem\/policy\.json/);
      assert.deepEqual([web.allowAi, web.allowCloud, web.layer], [false, false, 'ignore-file']);
      assert.match(web.reason, /web\/\.aiexclude \(line 1\)/);
      assert.deepEqual([webOther.allowCloud, webOther.layer], [true, 'default']);
    });

    it('make the whole workspace local-only when one folder forces it, but answer per folder', () => {
      const store = new PolicyStore({ userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false }, [
        folderInputs('file:///api', { '.tandem/policy.json': '{ "mode": "local-only" }' }, 'api'),
        folderInputs('file:///web', {}, 'web'),
      ]);
      const policy = store.current();
      assert.deepEqual([policy.workspace.allowCloud, policy.workspace.layer], [false, 'repo-policy']);
      assert.equal(policy.folder('file:///api').allowCloud, false);
      assert.equal(policy.folder('file:///web').allowCloud, true);
      assert.equal(policy.decide({ folder: 'file:///web', path: 'a.ts' }).allowCloud, true);
    });

    it('apply only global layers and secret files to a file outside every folder', () => {
      const store = new PolicyStore({ userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false }, [
        folderInputs('file:///api', { '.aiexclude': '*\n' }, 'api'),
      ]);
      assert.equal(store.current().decide({ path: '/tmp/scratch.ts' }).allowCloud, true);
      assert.equal(store.current().decide({ path: '/home/me/.env' }).layer, 'builtin-secret');
    });

    it('use the case-insensitive flag for every folder', () => {
      const store = new PolicyStore({ userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: true }, [
        folderInputs('file:///api', { '.tandem/policy.json': '{ "exclude": ["Internal/**"] }' }, 'api'),
      ]);
      assert.equal(store.current().decide({ folder: 'file:///api', path: 'internal/x.ts' }).allowAi, false);
    });
  });
});
