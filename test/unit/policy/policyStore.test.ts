import assert from 'node:assert/strict';
import type { PolicySnapshot } from '../../../src/core/policy/effectivePolicy';
import { PolicyStore } from '../../../src/core/policy/policyStore';
import { folderInputs } from './folderInputs';

const HYBRID = { userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false } as const;
const API = 'file:///api';

function recording(store: PolicyStore): { snapshots: PolicySnapshot[]; dispose(): void } {
  const snapshots: PolicySnapshot[] = [];
  const subscription = store.onDidChange((snapshot) => snapshots.push(snapshot));
  return { snapshots, dispose: () => subscription.dispose() };
}

describe('PolicyStore', () => {
  it('recomputes and notifies on every layer update', () => {
    const store = new PolicyStore(HYBRID, [folderInputs(API, {}, 'api')]);
    const events = recording(store);
    store.updateWorkspaceToggle(true);
    assert.equal(store.current().workspace.layer, 'workspace-toggle');
    assert.equal(store.current().workspace.locked, false, 'the toggle alone can be toggled back');
    store.updateUserMode('local-only');
    assert.equal(store.current().workspace.layer, 'user-setting');
    assert.equal(store.current().workspace.locked, true);
    store.updateTrust(false);
    assert.equal(store.current().workspace.layer, 'untrusted');
    store.updateFolderFile(API, '.tandem/policy.json', { kind: 'present', text: '{ "mode": "local-only" }' });
    store.updateTrust(true);
    assert.equal(store.current().workspace.layer, 'repo-policy');
    store.removeFolder(API);
    assert.equal(store.current().workspace.layer, 'user-setting');
    assert.equal(events.snapshots.length, 6);
    assert.equal(events.snapshots.at(-1), store.current());
  });

  it('does not notify when nothing changed', () => {
    const store = new PolicyStore(HYBRID, [folderInputs(API, { '.aiexclude': 'a/\n' }, 'api')]);
    const events = recording(store);
    store.updateWorkspaceToggle(false);
    store.updateUserMode('hybrid');
    store.updateTrust(true);
    store.updateFolderFile(API, '.aiexclude', { kind: 'present', text: 'a/\n' });
    store.updateFolderFile(API, '.cursorignore', { kind: 'absent' });
    store.removeFolder('file:///unknown');
    assert.equal(events.snapshots.length, 0);
  });

  it('adds, changes and forgets ignore files below the root, notifying only on a change', () => {
    const store = new PolicyStore(HYBRID, [folderInputs(API, {}, 'api')]);
    const events = recording(store);
    const file = { folder: API, path: 'lib/gen/a.ts' };
    store.updateNestedIgnoreFile(API, 'lib/.aiexclude', { kind: 'present', text: 'gen/\n' });
    assert.equal(store.current().decide(file).allowAi, false);
    store.updateNestedIgnoreFile(API, 'lib/.aiexclude', { kind: 'present', text: 'gen/\n' });
    store.updateNestedIgnoreFile(API, 'other/.aiexclude', { kind: 'absent' });
    assert.equal(events.snapshots.length, 1, 'no change, no notice');
    store.updateFolderFile(API, '.cursorignore', { kind: 'present', text: 'x\n' });
    assert.equal(store.current().decide(file).allowAi, false, 'a root file update keeps the nested ones');
    store.updateNestedIgnoreFile(API, 'lib/.aiexclude', { kind: 'absent' });
    assert.equal(store.current().decide(file).allowAi, true);
    assert.equal(events.snapshots.length, 3);
    assert.throws(() => store.updateNestedIgnoreFile('file:///nope', 'a/.aiexclude', { kind: 'absent' }), /not known to the policy store/);
  });

  it('keeps old snapshots immutable', () => {
    const store = new PolicyStore(HYBRID, [folderInputs(API, {}, 'api')]);
    const before = store.current();
    store.updateFolderFile(API, '.aiexclude', { kind: 'present', text: 'src/\n' });
    assert.equal(before.decide({ folder: API, path: 'src/a.ts' }).allowAi, true);
    assert.equal(store.current().decide({ folder: API, path: 'src/a.ts' }).allowAi, false);
  });

  it('restores the previous state when a broken policy file is fixed or deleted (no reload)', () => {
    const store = new PolicyStore(HYBRID, [folderInputs(API, { '.tandem/policy.json': '{ "exclude": ["gen/**"] }' }, 'api')]);
    store.updateFolderFile(API, '.tandem/policy.json', { kind: 'present', text: '{ "exclude": ["gen/**"' });
    assert.equal(store.current().workspace.layer, 'policy-error');
    store.updateFolderFile(API, '.tandem/policy.json', { kind: 'present', text: '{ "exclude": ["gen/**"] }' });
    assert.equal(store.current().workspace.allowCloud, true);
    assert.equal(store.current().decide({ folder: API, path: 'gen/a.ts' }).allowAi, false);
    store.updateFolderFile(API, '.tandem/policy.json', { kind: 'absent' });
    assert.equal(store.current().decide({ folder: API, path: 'gen/a.ts' }).allowAi, true);
  });

  it('stops notifying a disposed listener and refuses updates for unknown folders', () => {
    const store = new PolicyStore(HYBRID);
    const events = recording(store);
    store.updateWorkspaceToggle(true);
    events.dispose();
    store.updateWorkspaceToggle(false);
    assert.equal(events.snapshots.length, 1);
    assert.throws(() => store.updateFolderFile('file:///nope', '.aiexclude', { kind: 'absent' }), /not known to the policy store/);
  });
});
