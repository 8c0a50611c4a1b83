import * as vscode from 'vscode';
import { OllamaBackend } from '../../backends/ollama';
import { CHECK_LOCAL_ENGINE_ACTION } from '../../core/chat/failures';
import { hostLabel } from '../../core/net/url';
import { SettingKey } from '../settings';
import { showErrorWithActions } from './tandemCommand';
import type { CommandDeps, TandemCommand } from './tandemCommand';

const LIST_TIMEOUT_MS = 5000;

interface Role extends vscode.QuickPickItem {
  key: string;
  current: string;
  source: 'local' | 'cloud';
}

/**
 * Tandem: Select Models — picks the local chat or completion model from what the local engine has
 * (`/api/tags`), or names the cloud model. Writes the user setting: models are application-scoped.
 */
export function selectModelsCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.selectModels',
    run: async () => {
      const endpoints = deps.settings.endpoints();
      const roles: Role[] = [
        { label: '$(comment-discussion) Local chat model', description: endpoints.chatLocalModel, key: SettingKey.chatLocalModel, current: endpoints.chatLocalModel, source: 'local' },
        { label: '$(symbol-snippet) Completion model', description: endpoints.completionModel, key: SettingKey.completionModel, current: endpoints.completionModel, source: 'local' },
        { label: '$(cloud) Cloud model', description: `${endpoints.cloudModel} at ${hostLabel(endpoints.cloudBaseUrl)}`, key: SettingKey.cloudModel, current: endpoints.cloudModel, source: 'cloud' },
      ];
      const role = await vscode.window.showQuickPick(roles, { title: 'Tandem: Select Models', placeHolder: 'Which model do you want to change?' });
      if (!role) return undefined;
      const model = role.source === 'local' ? await pickLocalModel(endpoints.localHost, role) : await nameCloudModel(role);
      if (!model || model === role.current) return undefined;
      await vscode.workspace.getConfiguration('tandem').update(role.key, model, vscode.ConfigurationTarget.Global);
      vscode.window.setStatusBarMessage(`Tandem: tandem.${role.key} is now ${model}`, 5000);
      return model;
    },
  };
}

async function pickLocalModel(host: string, role: Role): Promise<string | undefined> {
  let names: string[];
  try {
    names = await new OllamaBackend(host).modelNames(AbortSignal.timeout(LIST_TIMEOUT_MS));
  } catch (error) {
    await showErrorWithActions(`cannot list the models of the local engine at ${hostLabel(host)} (${error instanceof Error ? error.message : String(error)}).`, [CHECK_LOCAL_ENGINE_ACTION]);
    return undefined;
  }
  if (names.length === 0) {
    void vscode.window.showInformationMessage(`Tandem: the local engine at ${hostLabel(host)} has no models yet. Pull one, e.g. \`ollama pull qwen2.5-coder:7b\`.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    names.map((name) => ({ label: name, description: name === role.current ? 'current' : undefined, picked: name === role.current })),
    { title: `Tandem: ${role.label.replace(/^\$\([^)]*\)\s*/, '')}`, placeHolder: `Models at ${hostLabel(host)}` },
  );
  return picked?.label;
}

async function nameCloudModel(role: Role): Promise<string | undefined> {
  const name = await vscode.window.showInputBox({
    title: 'Tandem: Cloud Model',
    prompt: 'Model name at the cloud endpoint (tandem.cloud.baseUrl), e.g. gpt-4.1',
    value: role.current,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Enter a model name.'),
  });
  return name?.trim();
}
