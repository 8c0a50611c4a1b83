import fs from 'node:fs';
import path from 'node:path';

/**
 * How a launcher tells the suites about the loopback engine it started. Environment variables
 * reach the extension host only through the VS Code process's own environment.
 */
export const LOCAL_HOST_ENV = 'TANDEM_TEST_LOCAL_HOST';

/**
 * Set to `1` by a launcher so that the egress gate may send plain http to a loopback "cloud" (the
 * engine's OpenAI-compatible `/v1`); read by src/extension.ts at activation.
 */
export const ALLOW_HTTP_LOOPBACK_ENV = 'TANDEM_TEST_ALLOW_HTTP_LOOPBACK';

/** Models the launchers' engine serves: the default completion, local chat and cloud model names. */
export const ENGINE_MODELS = { 'qwen2.5-coder:1.5b-base': '1m', 'qwen2.5-coder:7b': '1m', 'gpt-4.1': '1m' } as const;

/** Where `node esbuild.js --tests` writes the suites' entry point, relative to the repository root. */
export const SUITE_ENTRY = 'out/test/integration/suite/index.js';

/** Starts every line of the mocha report, so a launcher can tell it from the workbench's own log. */
export const REPORT_MARKER = '[tandem-suite] ';

/**
 * Files every launcher puts into the suites' workspace before VS Code starts: an ignore file the
 * policy must find at activation, and a directory that is already watched when a test adds an
 * ignore file to it (VS Code's file watcher only watches a directory created during the run once it
 * has seen it arrive, and an event inside it sooner than that is lost: a CI run lost one).
 */
export const SEEDED_FILES: Readonly<Record<string, string>> = {
  'seeded/.aiexclude': 'private/\n',
  'packages/api/internal/plan.ts': 'export const plan = 1;\n',
  'unwatched/lib/internal/plan.ts': 'export const plan = 2;\n',
};

/** User settings every launcher adds: a directory the file watcher is told to leave alone. */
export const SUITE_USER_SETTINGS: Readonly<Record<string, unknown>> = { 'files.watcherExclude': { '**/unwatched/**': true } };

/** Writes SEEDED_FILES into a launcher's workspace folder and returns the folder. */
export function seedWorkspace(folder: string): string {
  for (const [relative, text] of Object.entries(SEEDED_FILES)) {
    fs.mkdirSync(path.dirname(path.join(folder, relative)), { recursive: true });
    fs.writeFileSync(path.join(folder, relative), text);
  }
  return folder;
}
