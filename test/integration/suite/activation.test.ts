import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { LOCAL_HOST_ENV } from './environment';

const EXTENSION_ID = 'tandem-dev.tandem';
/** Endpoints, models and the mode: only the user may set them (DESIGN.md, Policy). */
const USER_ONLY_KEYS = [
  'tandem.mode',
  'tandem.local.host',
  'tandem.trustedHosts',
  'tandem.completion.model',
  'tandem.cloud.baseUrl',
  'tandem.cloud.model',
  'tandem.chat.localModel',
];

interface ContributedManifest {
  contributes: {
    commands: { command: string }[];
    configuration: { properties: Record<string, { default: unknown; scope?: string }> };
  };
}

/** The extension's package.json as it is on disk, not as VS Code parsed it. */
async function manifestOnDisk(extension: vscode.Extension<unknown>): Promise<ContributedManifest> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extension.extensionUri, 'package.json'));
  return JSON.parse(new TextDecoder().decode(bytes)) as ContributedManifest;
}

describe('Tandem in the extension host', () => {
  let extension: vscode.Extension<unknown>;
  let manifest: ContributedManifest;

  before(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not loaded (check engines.vscode against the host's version)`);
    extension = found;
    manifest = await manifestOnDisk(extension);
  });

  it('activates without throwing', async () => {
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers every command contributed in package.json', async () => {
    await extension.activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), [], 'contributed but never registered');
  });

  it('exposes every contributed setting with its declared default', () => {
    const properties = Object.entries(manifest.contributes.configuration.properties);
    assert.ok(properties.length > 0, 'package.json contributes no settings');
    for (const [key, schema] of properties) {
      const inspected = vscode.workspace.getConfiguration().inspect(key);
      assert.ok(inspected, `${key} is not part of the configuration schema`);
      assert.deepEqual(inspected.defaultValue, schema.default, `${key} default`);
    }
  });

  it('refuses workspace values for where traffic goes (a cloned repository cannot redirect it)', async () => {
    for (const key of USER_ONLY_KEYS) {
      await assert.rejects(
        async () => vscode.workspace.getConfiguration().update(key, 'from-the-workspace', vscode.ConfigurationTarget.Workspace),
        `${key} accepted a workspace value`,
      );
      assert.equal(vscode.workspace.getConfiguration().inspect(key)?.workspaceValue, undefined, key);
    }
  });

  it('reads tandem.local.host from the user settings the launcher wrote', () => {
    const expected = process.env[LOCAL_HOST_ENV];
    assert.ok(expected, `the launcher did not set ${LOCAL_HOST_ENV}`);
    assert.equal(vscode.workspace.getConfiguration('tandem').inspect<string>('local.host')?.globalValue, expected);
  });

  it('reaches the loopback engine through the Check Local Engine command', async () => {
    await extension.activate();
    assert.equal(await vscode.commands.executeCommand<boolean>('tandem.checkLocalEngine'), true);
  });
});
