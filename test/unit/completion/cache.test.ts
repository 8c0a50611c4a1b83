import assert from 'node:assert/strict';
import { CompletionCache } from '../../../src/core/completion/cache';

describe('completion cache', () => {
  it('returns an exact entry', () => {
    const cache = new CompletionCache(10);
    cache.set('scope', 'const x = ', 'compute(1);');
    assert.deepEqual(cache.lookup('scope', 'const x = '), { text: 'compute(1);', typed: '' });
    assert.equal(cache.lookup('other scope', 'const x = '), undefined);
  });

  it('walks back over typed characters that match the cached suggestion', () => {
    const cache = new CompletionCache(10);
    cache.set('scope', 'const x = ', 'compute(1);');
    assert.deepEqual(cache.lookup('scope', 'const x = comp'), { text: 'ute(1);', typed: 'comp' });
    assert.equal(cache.lookup('scope', 'const x = cond'), undefined, 'typed text that differs');
    assert.equal(cache.lookup('scope', 'const x = compute(1);'), undefined, 'nothing left to suggest');
  });

  it('forgets the least recently used entry first', () => {
    const cache = new CompletionCache(2);
    cache.set('s', 'a', 'A1');
    cache.set('s', 'b', 'B1');
    assert.ok(cache.lookup('s', 'a'));
    cache.set('s', 'c', 'C1');
    assert.equal(cache.size, 2);
    assert.ok(cache.lookup('s', 'a'), 'recently used survives');
    assert.equal(cache.lookup('s', 'b'), undefined, 'least recently used is gone');
  });

  it('handles very long line prefixes with bounded keys', () => {
    const cache = new CompletionCache(4);
    const long = 'x'.repeat(100_000);
    cache.set('s', long, 'tail();');
    assert.deepEqual(cache.lookup('s', long + 'ta'), { text: 'il();', typed: 'ta' });
    assert.equal(cache.lookup('s', 'y' + long.slice(1)), undefined);
  });
});
