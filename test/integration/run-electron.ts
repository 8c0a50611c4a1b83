// Runs the same extension-host suites in desktop VS Code through @vscode/test-electron. That needs
// a VS Code download; where the download site cannot be reached (offline CI, this sandbox), the
// launcher says so and exits 0 without running anything: a skip, never a pass.
import fs from 'node:fs';
import path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { startEngine } from '../engine/server';
import { findRepoRoot, PeakMemorySampler, RunFolder, writeUserSettings } from '../e2e/harness';
import { LOCAL_HOST_ENV, seedWorkspace, SUITE_ENTRY, SUITE_USER_SETTINGS } from './suite/environment';

/** The version code-server 4.100.3 bundles, so both launchers test against the same VS Code. */
const VSCODE_VERSION = '1.100.3';
const RELEASES_URL = 'https://update.code.visualstudio.com/api/releases/stable';
const REACHABILITY_TIMEOUT_MS = 5_000;
const DOWNLOAD_IDLE_TIMEOUT_MS = 15_000;

/** Why VS Code cannot be downloaded, or undefined when the update service answers. */
async function unreachableReason(): Promise<string | undefined> {
  try {
    const response = await fetch(RELEASES_URL, { signal: AbortSignal.timeout(REACHABILITY_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok ? undefined : `${RELEASES_URL} answered ${response.status}`;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return `${RELEASES_URL}: ${cause ?? String((error as Error).message ?? error)}`;
  }
}

/** The VS Code executable, downloading it when needed; a string reason when that is impossible. */
async function vscodeExecutable(cachePath: string): Promise<{ path: string } | { skipped: string }> {
  const cached = fs.existsSync(cachePath) && fs.readdirSync(cachePath).some((name) => name.endsWith(VSCODE_VERSION));
  if (!cached) {
    const reason = await unreachableReason();
    if (reason) return { skipped: reason };
  }
  try {
    return { path: await downloadAndUnzipVSCode({ version: VSCODE_VERSION, cachePath, timeout: DOWNLOAD_IDLE_TIMEOUT_MS }) };
  } catch (error) {
    return { skipped: `download failed: ${String((error as Error).message ?? error)}` };
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const repoRoot = findRepoRoot();
  const suiteEntry = path.join(repoRoot, SUITE_ENTRY);
  if (!fs.existsSync(suiteEntry)) throw new Error(`${suiteEntry} is missing: build it with \`node esbuild.js --tests\``);

  const executable = await vscodeExecutable(path.join(repoRoot, '.cache', 'vscode-test'));
  if ('skipped' in executable) {
    console.log(`integration suites in desktop VS Code: skipped: VS Code cannot be downloaded (${executable.skipped})`);
    return 0;
  }

  const memory = new PeakMemorySampler();
  const run = new RunFolder('tandem-electron-');
  const engine = await startEngine();
  let exitCode = 1;
  try {
    const userData = run.dir('user-data');
    writeUserSettings(userData, { ...SUITE_USER_SETTINGS, 'tandem.local.host': engine.url });
    exitCode = await runTests({
      vscodeExecutablePath: executable.path,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suiteEntry,
      extensionTestsEnv: { [LOCAL_HOST_ENV]: engine.url },
      launchArgs: [
        seedWorkspace(run.dir('workspace')),
        '--user-data-dir', userData,
        '--extensions-dir', run.dir('extensions'),
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--no-sandbox',
      ],
    });
  } catch (error) {
    console.error(error);
  } finally {
    await engine.stop();
  }
  const result = exitCode === 0 ? 'passed' : `failed (exit code ${exitCode})`;
  console.log(`integration suites in desktop VS Code ${VSCODE_VERSION}: ${result} in ${((Date.now() - started) / 1000).toFixed(1)}s, peak memory ${memory.stop()} MB`);
  if (exitCode === 0) run.remove();
  else console.error(`run folder kept for debugging: ${run.root} (user-data/logs/)`);
  return exitCode === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
