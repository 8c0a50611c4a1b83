// Helpers shared by the engine's own test suites.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from './gguf/model-cache';

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
