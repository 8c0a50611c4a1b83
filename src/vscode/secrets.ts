import type * as vscode from 'vscode';

/**
 * User-level fallback for the primary cloud endpoint's key, read from the environment VS Code was
 * started with (never from settings, which a repository could supply).
 */
export const CLOUD_API_KEY_ENV = 'TANDEM_CLOUD_API_KEY';

const SECRET_PREFIX = 'tandem.cloud.apiKey/';

/**
 * Cloud API keys, one per endpoint origin, in VS Code's SecretStorage (the OS keychain). Keyed by
 * origin so that a fallback endpoint on another host never receives the primary endpoint's key.
 */
export class CloudApiKeys {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    /** The primary endpoint (`tandem.cloud.baseUrl`); only it may use the environment fallback. */
    private readonly primaryBaseUrl: () => string,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  /** Fires when any stored key is set or cleared. */
  get onDidChange(): vscode.Event<vscode.SecretStorageChangeEvent> {
    return this.secrets.onDidChange;
  }

  /** The key to send to `baseUrl`, or undefined when none is stored (nothing must be sent then). */
  async get(baseUrl: string): Promise<string | undefined> {
    const stored = await this.secrets.get(secretName(baseUrl));
    if (stored) return stored;
    const fromEnv = this.env[CLOUD_API_KEY_ENV]?.trim();
    return fromEnv && originOf(baseUrl) === originOf(this.primaryBaseUrl()) ? fromEnv : undefined;
  }

  async has(baseUrl: string): Promise<boolean> {
    return (await this.get(baseUrl)) !== undefined;
  }

  /** Whether the key for `baseUrl` is stored in SecretStorage (rather than only in the environment). */
  async isStored(baseUrl: string): Promise<boolean> {
    return (await this.secrets.get(secretName(baseUrl))) !== undefined;
  }

  async set(baseUrl: string, key: string): Promise<void> {
    await this.secrets.store(secretName(baseUrl), key.trim());
  }

  async clear(baseUrl: string): Promise<void> {
    await this.secrets.delete(secretName(baseUrl));
  }
}

/** `https://api.openai.com` for `https://api.openai.com/v1`; the raw text when it does not parse. */
export function originOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return baseUrl.trim();
  }
}

function secretName(baseUrl: string): string {
  return SECRET_PREFIX + originOf(baseUrl);
}
