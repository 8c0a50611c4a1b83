import assert from 'node:assert/strict';
import { combineFailures, describeFailure, describeInterruption } from '../../../src/core/chat/failures';
import { EgressRefusedError } from '../../../src/core/egress/egressPlan';
import { EndpointUnreachableError, KeyRejectedError, MissingApiKeyError, RateLimitedError, StreamStalledError } from '../../../src/core/net/errors';
import type { RouteCandidate } from '../../../src/core/routing/router';

const cloud: RouteCandidate = {
  where: 'cloud',
  endpoint: { id: 'p', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4.1', label: 'api.openai.com', hasKey: true },
  why: 'hybrid mode',
  reason: 'policy',
};
const local: RouteCandidate = { where: 'local', endpoint: { id: 'l', model: 'qwen2.5-coder:7b', label: 'local Ollama at 127.0.0.1:11434' }, why: '', reason: 'fallback' };
const exhausted = { retry: false, why: 'retries-exhausted' } as const;

describe('failure descriptions', () => {
  it('429: names retries and when the quota resets', () => {
    const f = describeFailure(cloud, new RateLimitedError('api.openai.com', 'quota', 20_000, 20_000), 2, exhausted);
    assert.equal(f.summary, 'cloud gpt-4.1 returned 429 (rate limit or quota) after 2 retries; the limit resets in 20 s');
  });

  it('429 with a wait beyond the cap says so', () => {
    const f = describeFailure(cloud, new RateLimitedError('api.openai.com', '', 3_600_000, 3_600_000), 0, { retry: false, why: 'server-wait-too-long' });
    assert.equal(f.summary, 'cloud gpt-4.1 returned 429 (rate limit or quota) and asked for a longer wait than Tandem allows; the limit resets in 60 min');
  });

  it('key problems offer Set Cloud API Key; a local engine that is down offers Check Local Engine', () => {
    assert.deepEqual(describeFailure(cloud, new MissingApiKeyError('api.openai.com'), 0, exhausted).actions[0]?.command, 'tandem.setCloudApiKey');
    assert.deepEqual(describeFailure(cloud, new KeyRejectedError('api.openai.com', 401, ''), 0, exhausted).actions[0]?.command, 'tandem.setCloudApiKey');
    const down = describeFailure(local, new EndpointUnreachableError(local.endpoint.label, 'ECONNREFUSED'), 0, exhausted);
    assert.match(down.summary, /start Ollama/);
    assert.deepEqual(down.actions.map((a) => a.command), ['tandem.checkLocalEngine']);
  });

  it('an egress refusal keeps the gate reason', () => {
    const f = describeFailure(cloud, new EgressRefusedError('preview-declined', 'You declined to send this request to the cloud model.'), 0, exhausted);
    assert.match(f.summary, /egress gate stopped the request to cloud gpt-4\.1: You declined/);
  });

  it('an interruption names the silence', () => {
    assert.equal(describeInterruption(cloud, new StreamStalledError('api.openai.com', 20_000, 12)), 'The answer from cloud gpt-4.1 is incomplete: it sent nothing for 20 s.');
  });

  it('combines several failures into one message with each action once', () => {
    const key = describeFailure(cloud, new KeyRejectedError('api.openai.com', 401, ''), 0, exhausted);
    const combined = combineFailures([key, key, describeFailure(local, new EndpointUnreachableError('local Ollama', 'ECONNREFUSED'), 0, exhausted)]);
    assert.match(combined.message, /^No model could answer: api\.openai\.com rejected the API key \(401\)/);
    assert.deepEqual(combined.actions.map((a) => a.title), ['Set Cloud API Key', 'Check Local Engine']);
    assert.equal(combineFailures([key]).message, 'Api.openai.com rejected the API key (401) for cloud gpt-4.1.');
  });
});
