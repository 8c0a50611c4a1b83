// Helpers shared by the test suites that run against the loopback engine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from './gguf/model-cache';
import { startEngine, type Engine, type EngineOptions } from './server';

/** Polls `probe` every 5 ms until it returns a value, for at most `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Real TypeScript source to build long prompts from (about 13 kB). */
export function typeScriptSample(): string {
  return fs.readFileSync(path.join(findRepoRoot(), 'node_modules', 'ollama', 'src', 'browser.ts'), 'utf8');
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * Mocha hooks for one loopback engine per suite: started before the suite (then `onStart` gets it),
 * stopped after it, and before each test its faults are cleared and its log emptied.
 */
export function useLoopbackEngine(options: EngineOptions, onStart: (engine: Engine) => void | Promise<void>): void {
  let engine: Engine | undefined;
  before(async () => {
    engine = await startEngine(options);
    await onStart(engine);
  });
  after(() => engine?.stop());
  beforeEach(() => {
    engine?.setFaults([]);
    engine?.clearLog();
  });
}
