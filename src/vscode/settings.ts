import * as vscode from 'vscode';

/** Setting keys, relative to the `tandem` section. */
export const SettingKey = {
  mode: 'mode',
  localHost: 'local.host',
  completionModel: 'completion.model',
  completionEnabled: 'completion.enabled',
  trustedHosts: 'trustedHosts',
  cloudBaseUrl: 'cloud.baseUrl',
  cloudModel: 'cloud.model',
  chatLocalModel: 'chat.localModel',
} as const;

export type Mode = 'hybrid' | 'local-only';

/** A snapshot of the settings that decide where traffic goes. */
export interface EndpointSettings {
  mode: Mode;
  localHost: string;
  completionModel: string;
  trustedHosts: string[];
  cloudBaseUrl: string;
  cloudModel: string;
  chatLocalModel: string;
}

/**
 * The one typed reader of Tandem's settings. Endpoint, model and mode keys are read from the user
 * (global) layer only: a cloned repository's `.vscode/settings.json` must not be able to redirect
 * traffic or loosen the mode, even if a future VS Code lets such values through the scope check.
 */
export class Settings {
  constructor(private readonly section = 'tandem') {}

  endpoints(): EndpointSettings {
    return {
      mode: this.userValue<Mode>(SettingKey.mode) === 'local-only' ? 'local-only' : 'hybrid',
      localHost: this.userValue<string>(SettingKey.localHost),
      completionModel: this.userValue<string>(SettingKey.completionModel),
      trustedHosts: this.userValue<string[]>(SettingKey.trustedHosts),
      cloudBaseUrl: this.userValue<string>(SettingKey.cloudBaseUrl),
      cloudModel: this.userValue<string>(SettingKey.cloudModel),
      chatLocalModel: this.userValue<string>(SettingKey.chatLocalModel),
    };
  }

  /** Whether inline completions are on for a language (language-overridable, any layer may turn them off). */
  completionEnabled(languageId: string): boolean {
    return vscode.workspace.getConfiguration(this.section, { languageId }).get<boolean>(SettingKey.completionEnabled, true);
  }

  /** True when a configuration change touches Tandem's settings. */
  affects(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration(this.section);
  }

  private userValue<T>(key: string): T {
    const info = vscode.workspace.getConfiguration(this.section).inspect<T>(key);
    if (!info) throw new Error(`Tandem setting ${this.section}.${key} is not contributed`);
    return (info.globalValue ?? info.defaultValue) as T;
  }
}
