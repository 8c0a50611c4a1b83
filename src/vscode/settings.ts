import * as vscode from 'vscode';
import type { PreviewMode } from '../core/egress/egressGate';
import type { DebounceSetting, MultilineSetting } from '../core/completion/scheduler';
import type { CustomTemplateSpec } from '../core/completion/templates';

/** Setting keys, relative to the `tandem` section. */
export const SettingKey = {
  mode: 'mode',
  localHost: 'local.host',
  completionModel: 'completion.model',
  completionEnabled: 'completion.enabled',
  completionPromptTokens: 'completion.promptTokens',
  completionMaxTokens: 'completion.maxTokens',
  completionSingleLineMaxTokens: 'completion.singleLineMaxTokens',
  completionSuffixTokens: 'completion.suffixTokens',
  completionMultiline: 'completion.multiline',
  completionDebounceMs: 'completion.debounceMs',
  completionTimeoutMs: 'completion.timeoutMs',
  completionTemplate: 'completion.template',
  trustedHosts: 'trustedHosts',
  cloudBaseUrl: 'cloud.baseUrl',
  cloudModel: 'cloud.model',
  chatLocalModel: 'chat.localModel',
  cloudFallbacks: 'cloud.fallbacks',
  cloudAllowedHosts: 'cloud.allowedHosts',
  egressPreview: 'egress.preview',
} as const;

export type Mode = 'hybrid' | 'local-only';

/** The user's egress rules (application-scoped, user layer only). */
export interface EgressSettings {
  /** Cloud hosts that may receive content. */
  allowedCloudHosts: string[];
  preview: PreviewMode;
}

const PREVIEW_MODES: readonly PreviewMode[] = ['never', 'first-time', 'always'];

const MULTILINE_SETTINGS: readonly MultilineSetting[] = ['auto', 'always', 'never'];

/** How inline completions are requested (everything but the model and its format). */
export interface CompletionTuning {
  promptTokens: number;
  suffixTokens: number;
  /** Multi-line requests. */
  maxTokens: number;
  singleLineMaxTokens: number;
  multiline: MultilineSetting;
  debounce: DebounceSetting;
  requestTimeoutMs: number;
  /** The user's own FIM template; undefined in untrusted workspaces. */
  template: CustomTemplateSpec | undefined;
}

/** A snapshot of the settings that decide where traffic goes. */
export interface EndpointSettings {
  mode: Mode;
  localHost: string;
  completionModel: string;
  trustedHosts: string[];
  cloudBaseUrl: string;
  cloudModel: string;
  chatLocalModel: string;
  /** Secondary OpenAI-compatible endpoints, tried in order after the primary one. */
  cloudFallbacks: CloudFallback[];
}

/** One entry of `tandem.cloud.fallbacks`. */
export interface CloudFallback {
  baseUrl: string;
  model: string;
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
      cloudFallbacks: validFallbacks(this.userValue<unknown>(SettingKey.cloudFallbacks)),
    };
  }

  egress(): EgressSettings {
    const preview = this.userValue<PreviewMode>(SettingKey.egressPreview);
    return {
      allowedCloudHosts: this.userValue<string[]>(SettingKey.cloudAllowedHosts),
      preview: PREVIEW_MODES.includes(preview) ? preview : 'always',
    };
  }

  completion(): CompletionTuning {
    const config = vscode.workspace.getConfiguration(this.section);
    const multiline = config.get<MultilineSetting>(SettingKey.completionMultiline, 'auto');
    const debounceMs = config.get<number | null>(SettingKey.completionDebounceMs, null);
    return {
      promptTokens: positiveInteger(config.get(SettingKey.completionPromptTokens), 1500),
      suffixTokens: nonNegativeInteger(config.get(SettingKey.completionSuffixTokens), 128),
      maxTokens: positiveInteger(config.get(SettingKey.completionMaxTokens), 128),
      singleLineMaxTokens: positiveInteger(config.get(SettingKey.completionSingleLineMaxTokens), 32),
      multiline: MULTILINE_SETTINGS.includes(multiline) ? multiline : 'auto',
      debounce: typeof debounceMs === 'number' && debounceMs >= 0 ? debounceMs : 'adaptive',
      requestTimeoutMs: positiveInteger(config.get(SettingKey.completionTimeoutMs), 5000),
      // A template decides what the model reads and which stops apply: only the user's own, in a trusted workspace.
      template: vscode.workspace.isTrusted ? customTemplateSpec(this.userValue<unknown>(SettingKey.completionTemplate)) : undefined,
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

/** Entries with a base URL and a model; anything else in the user's JSON is ignored. */
function validFallbacks(value: unknown): CloudFallback[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    const { baseUrl, model } = (entry ?? {}) as Partial<Record<keyof CloudFallback, unknown>>;
    return typeof baseUrl === 'string' && typeof model === 'string' && baseUrl.trim() && model.trim() ? [{ baseUrl: baseUrl.trim(), model: model.trim() }] : [];
  });
}

function positiveInteger(value: unknown, fallback: number): number {
  return atLeast(1, value, fallback);
}

function nonNegativeInteger(value: unknown, fallback: number): number {
  return atLeast(0, value, fallback);
}

function atLeast(min: number, value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min ? Math.floor(value) : fallback;
}

function customTemplateSpec(value: unknown): CustomTemplateSpec | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { template, stops } = value as { template?: unknown; stops?: unknown };
  if (typeof template !== 'string' || template === '') return undefined;
  return { template, stops: Array.isArray(stops) ? stops.filter((s): s is string => typeof s === 'string') : [] };
}
