import assert from 'node:assert/strict';
import { readCursor } from '../../../src/core/completion/context';
import { AdaptiveDebounce, delay, naturalPauseAt, wantsMultiline, type NaturalPause } from '../../../src/core/completion/scheduler';
import { docWithCursor, FakeClock } from './fakes';

const cursorOf = (text: string) => {
  const { document, position } = docWithCursor(text);
  return readCursor(document, position);
};

function typeAt(debounce: AdaptiveDebounce, gaps: number[]): void {
  let t = 0;
  debounce.noteKeystroke(t, undefined, 0);
  for (const gap of gaps) debounce.noteKeystroke((t += gap), undefined, 0);
}

describe('completion scheduling', () => {
  describe('adaptive debounce', () => {
    it('starts from the initial delay and follows the typing rhythm', () => {
      const debounce = new AdaptiveDebounce('adaptive');
      assert.equal(debounce.delayMs(), 150);
      typeAt(debounce, Array(20).fill(100));
      assert.equal(debounce.delayMs(), 125);
    });

    it('waits longer for a slow typist and less for a fast one, within 40-400 ms', () => {
      const slow = new AdaptiveDebounce('adaptive');
      typeAt(slow, Array(20).fill(900));
      assert.equal(slow.delayMs(), 400);
      const fast = new AdaptiveDebounce('adaptive');
      typeAt(fast, Array(20).fill(20));
      assert.equal(fast.delayMs(), 40);
    });

    it('ignores pauses when measuring the rhythm', () => {
      const debounce = new AdaptiveDebounce('adaptive');
      typeAt(debounce, [100, 100, 5000, 100, 100, 8000, 100, 100]);
      assert.equal(debounce.delayMs(), 125);
    });

    it('asks for a firmer pause when the engine is slow', () => {
      const debounce = new AdaptiveDebounce('adaptive');
      typeAt(debounce, Array(20).fill(100));
      debounce.noteEngineLatency(1000);
      assert.equal(debounce.delayMs(), 225);
    });

    it('uses a fixed value when one is set', () => {
      const debounce = new AdaptiveDebounce(250);
      typeAt(debounce, Array(20).fill(100));
      assert.equal(debounce.delayMs(), 250);
      debounce.configure('adaptive');
      assert.equal(debounce.delayMs(), 125);
    });
  });

  it('recognizes natural pauses', () => {
    for (const text of ['f(‸', 'f(a,‸', 'const x =‸', 'const x = ‸', 'if (a) {‸', 'case 1:‸', 'def f():‸']) {
      assert.equal(naturalPauseAt(cursorOf(text)), 'opener', text);
    }
    for (const text of ['a();\n‸', 'a();\n    ‸', 'a();\n\n‸']) assert.equal(naturalPauseAt(cursorOf(text)), 'fresh-line', text);
    for (const text of ['const x = fo‸', 'f(‸)x', '‸', '  ‸', 'f(a, b‸']) {
      assert.equal(naturalPauseAt(cursorOf(text)), undefined, text);
    }
  });

  describe('wait at a natural pause', () => {
    /** Keystrokes `gap` ms apart, each leaving the cursor at the given pause (or none), on line 0 unless given. */
    function typeWith(debounce: AdaptiveDebounce, keys: { gap: number; pause?: NaturalPause; line?: number }[]): void {
      let t = 0;
      for (const { gap, pause, line } of keys) debounce.noteKeystroke((t += gap), pause, line ?? 0);
    }

    it('starts at once after Enter (also onto a blank line), not for indenting keys on that line', () => {
      const debounce = new AdaptiveDebounce(100);
      typeWith(debounce, [{ gap: 80 }]);
      assert.equal(debounce.waitMs(), 100);
      typeWith(debounce, [{ gap: 80, pause: 'fresh-line', line: 1 }]);
      assert.equal(debounce.waitMs(), 0);
      typeWith(debounce, [{ gap: 80, pause: 'fresh-line', line: 1 }]);
      assert.equal(debounce.waitMs(), 100, 'indenting');
      typeWith(debounce, [{ gap: 80, pause: 'fresh-line', line: 2 }]);
      assert.equal(debounce.waitMs(), 0, 'Enter again: the line above is blank');
    });

    it('keeps the debounce at an opener until the user has shown they pause there', () => {
      const debounce = new AdaptiveDebounce(100);
      typeWith(debounce, [{ gap: 80, pause: 'opener' }]);
      assert.equal(debounce.waitMs(), 100, 'no evidence yet');
      // Typing through `f(a, {` at 80 ms a key: never a pause after an opener.
      typeWith(debounce, Array.from({ length: 8 }, () => [{ gap: 80 }, { gap: 80, pause: 'opener' as const }]).flat());
      assert.equal(debounce.waitMs(), 100);
    });

    it('skips the debounce at an opener for a user who mostly pauses after one', () => {
      const debounce = new AdaptiveDebounce(100);
      // Three of four openers followed by a pause of at least the debounce.
      typeWith(debounce, [
        { gap: 80, pause: 'opener' }, { gap: 400 },
        { gap: 80, pause: 'opener' }, { gap: 100 },
        { gap: 80, pause: 'opener' }, { gap: 60 },
        { gap: 80, pause: 'opener' }, { gap: 2000 },
        { gap: 80, pause: 'opener' },
      ]);
      assert.equal(debounce.waitMs(), 0);
      // The user speeds up: recent openers were typed through, so the debounce is back.
      typeWith(debounce, Array.from({ length: 4 }, () => [{ gap: 80 }, { gap: 80, pause: 'opener' as const }]).flat());
      assert.equal(debounce.waitMs(), 100);
    });
  });

  it('decides single or multi-line', () => {
    assert.ok(wantsMultiline(cursorOf('function f() {‸'), 'auto'));
    assert.ok(wantsMultiline(cursorOf('function f() {\n  ‸\n}'), 'auto'));
    assert.ok(wantsMultiline(cursorOf('call(‸)'), 'auto'));
    assert.ok(!wantsMultiline(cursorOf('const x = f‸'), 'auto'));
    assert.ok(!wantsMultiline(cursorOf('if (a) {‸ x'), 'auto'));
    assert.ok(wantsMultiline(cursorOf('const x = f‸'), 'always'));
    assert.ok(!wantsMultiline(cursorOf('function f() {‸'), 'never'));
  });

  it('delays on the injected clock and stops early on abort', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let result: boolean | undefined;
    void delay(clock, 100, controller.signal).then((r) => (result = r));
    await clock.advance(99);
    assert.equal(result, undefined);
    await clock.advance(1);
    assert.equal(result, true);
    void delay(clock, 100, controller.signal).then((r) => (result = r));
    controller.abort();
    await clock.advance(0);
    assert.equal(result, false);
    assert.equal(clock.pendingTimers, 0, 'the aborted timer is cancelled');
  });
});
