import assert from 'node:assert/strict';
import { classifyEndpoint, classifyHost, hostMatches, isLoopbackHost } from '../../../src/core/egress/hosts';

describe('host classification', () => {
  const hostnameOf = (url: string): string => new URL(url).hostname;

  it('treats loopback names and addresses as local', () => {
    for (const url of [
      'http://localhost:11434',
      'http://LOCALHOST.:11434',
      'http://127.0.0.1:8080',
      'http://127.255.10.3',
      'http://127.1',
      'http://0x7f.0.0.1',
      'http://2130706433',
      'http://[::1]:11434',
      'http://[0:0:0:0:0:0:0:1]',
      'http://[::ffff:127.0.0.1]',
    ]) {
      assert.equal(isLoopbackHost(hostnameOf(url)), true, url);
      assert.equal(classifyEndpoint(url, []), 'local', url);
    }
  });

  it('treats everything else as cloud, including look-alikes', () => {
    for (const url of [
      'https://api.openai.com/v1',
      'http://127.0.0.1.nip.io',
      'http://localhost.evil.com',
      'http://evil-localhost',
      'http://0.0.0.0',
      'http://10.0.0.5:11434',
      'http://192.168.1.20',
      'http://[::ffff:10.0.0.1]',
      'http://[fe80::1]',
      'http://128.0.0.1',
    ]) {
      assert.equal(classifyEndpoint(url, []), 'cloud', url);
    }
  });

  it('treats a host listed in trustedHosts as local, and only that host', () => {
    const trusted = ['gpu-box.corp.net', '10.0.0.5'];
    assert.equal(classifyEndpoint('http://GPU-BOX.corp.net:11434', trusted), 'local');
    assert.equal(classifyEndpoint('http://10.0.0.5:8000/v1', trusted), 'local');
    assert.equal(classifyEndpoint('http://gpu-box.corp.net.evil.com', trusted), 'cloud');
    assert.equal(classifyEndpoint('http://10.0.0.6', trusted), 'cloud');
    assert.equal(classifyHost('other.corp.net', trusted), 'cloud');
  });

  it('counts an unparsable URL as cloud', () => {
    assert.equal(classifyEndpoint('not a url', ['not a url']), 'cloud');
  });

  it('matches host allow lists exactly or by *.domain', () => {
    assert.equal(hostMatches('api.openai.com', ['api.openai.com']), true);
    assert.equal(hostMatches('API.OpenAI.com', ['api.openai.com']), true);
    assert.equal(hostMatches('api.openai.com.evil.io', ['api.openai.com']), false);
    assert.equal(hostMatches('eastus.openai.azure.com', ['*.openai.azure.com']), true);
    assert.equal(hostMatches('openai.azure.com', ['*.openai.azure.com']), false);
    assert.equal(hostMatches('evilopenai.azure.com', ['*.openai.azure.com']), false);
    assert.equal(hostMatches('api.openai.com', []), false);
  });
});
