import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { CLOUD_API_KEY_ENV, CloudApiKeys } from '../../../src/vscode/secrets';

/** SecretStorage in memory (the real one is the OS keychain behind VS Code). */
class MemorySecrets {
  readonly values = new Map<string, string>();
  onDidChange = (() => ({ dispose() {} })) as unknown as vscode.Event<vscode.SecretStorageChangeEvent>;
  async get(key: string) {
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}

const PRIMARY = 'https://api.openai.com/v1';
const FALLBACK = 'https://backup.example.com/openai/v1';

function keys(env: Record<string, string | undefined> = {}) {
  const secrets = new MemorySecrets();
  return { secrets, keys: new CloudApiKeys(secrets as unknown as vscode.SecretStorage, () => PRIMARY, env) };
}

describe('CloudApiKeys', () => {
  it('stores one key per endpoint origin: a fallback never gets the primary key', async () => {
    const { keys: k, secrets } = keys();
    await k.set(PRIMARY, '  sk-primary \n');
    assert.equal(await k.get('https://api.openai.com/v1/'), 'sk-primary', 'same origin, other path');
    assert.equal(await k.get(FALLBACK), undefined);
    assert.equal(await k.has(FALLBACK), false);
    assert.deepEqual([...secrets.values.keys()], ['tandem.cloud.apiKey/https://api.openai.com']);
    await k.clear(PRIMARY);
    assert.equal(await k.has(PRIMARY), false);
  });

  it('falls back to the environment variable for the primary endpoint only, and a stored key wins', async () => {
    const { keys: k } = keys({ [CLOUD_API_KEY_ENV]: 'sk-from-env' });
    assert.equal(await k.get(PRIMARY), 'sk-from-env');
    assert.equal(await k.isStored(PRIMARY), false);
    assert.equal(await k.get(FALLBACK), undefined);
    await k.set(PRIMARY, 'sk-stored');
    assert.equal(await k.get(PRIMARY), 'sk-stored');
  });

  it('treats an empty environment variable as no key', async () => {
    const { keys: k } = keys({ [CLOUD_API_KEY_ENV]: '   ' });
    assert.equal(await k.has(PRIMARY), false);
  });
});
