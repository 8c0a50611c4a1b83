import * as vscode from 'vscode';
import { hostLabel } from '../../core/net/url';
import { chooseCloudOrigin, configuredCloudOrigins } from './cloudEndpoints';
import { stringArg } from './commandArgs';
import type { CommandDeps, TandemCommand } from './tandemCommand';

/**
 * Tandem: Set Cloud API Key — stores the key of a configured cloud endpoint in SecretStorage.
 * `{ baseUrl, key }` skips the prompts (for tests); the endpoint must still be a configured one.
 */
export function setCloudApiKeyCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.setCloudApiKey',
    run: async (args?: unknown) => {
      const origin = await chooseCloudOrigin(configuredCloudOrigins(deps.settings), stringArg(args, 'baseUrl'), 'Set Cloud API Key');
      if (!origin) return false;
      const key =
        stringArg(args, 'key') ??
        (await vscode.window.showInputBox({
          title: 'Tandem: Set Cloud API Key',
          prompt: `API key for ${hostLabel(origin)}. It is kept in VS Code's secret storage, never in settings.`,
          password: true,
          ignoreFocusOut: true,
          validateInput: (value) => (value.trim() ? undefined : 'Paste the API key.'),
        }));
      if (!key?.trim()) return false;
      await deps.keys.set(origin, key);
      deps.log.info(`[Keys] stored the API key for ${hostLabel(origin)}`);
      vscode.window.setStatusBarMessage(`Tandem: API key for ${hostLabel(origin)} stored`, 5000);
      return true;
    },
  };
}
