import * as vscode from 'vscode';
import { hostLabel } from '../../core/net/url';
import { CLOUD_API_KEY_ENV } from '../secrets';
import { chooseCloudOrigin, configuredCloudOrigins } from './cloudEndpoints';
import { stringArg } from './commandArgs';
import type { CommandDeps, TandemCommand } from './tandemCommand';

/** Tandem: Clear Cloud API Key — deletes a stored key (`{ baseUrl }` names the endpoint). */
export function clearCloudApiKeyCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.clearCloudApiKey',
    run: async (args?: unknown) => {
      const origins = configuredCloudOrigins(deps.settings);
      const stored = (await Promise.all(origins.map(async (o) => ((await deps.keys.isStored(o)) ? [o] : [])))).flat();
      const given = stringArg(args, 'baseUrl');
      if (given === undefined && stored.length === 0) {
        const fromEnv = (await deps.keys.has(origins[0] ?? '')) ? ` The primary endpoint still gets a key from the ${CLOUD_API_KEY_ENV} environment variable; unset it to stop that.` : '';
        void vscode.window.showInformationMessage(`Tandem: no cloud API key is stored.${fromEnv}`);
        return false;
      }
      const origin = await chooseCloudOrigin(given === undefined ? stored : origins, given, 'Clear Cloud API Key');
      if (!origin) return false;
      await deps.keys.clear(origin);
      deps.log.info(`[Keys] cleared the API key for ${hostLabel(origin)}`);
      const fromEnv = (await deps.keys.has(origin)) ? ` (a key from ${CLOUD_API_KEY_ENV} still applies)` : '';
      vscode.window.setStatusBarMessage(`Tandem: API key for ${hostLabel(origin)} cleared${fromEnv}`, 5000);
      return true;
    },
  };
}
