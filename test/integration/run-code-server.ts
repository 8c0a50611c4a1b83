// Runs the extension-host mocha suites inside code-server, the way @vscode/test-electron runs them
// in desktop VS Code. code-server refuses --extensionDevelopmentPath/--extensionTestsPath on its
// command line, but the web workbench takes both from the URL payload; the suites report back
// through window.codeAutomationLog and window.codeAutomationExit, which we expose on the page.
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { startEngine } from '../engine/server';
import { closeBrowser, CodeServer, findRepoRoot, launchChromium, PeakMemorySampler, raceTimeout, RunFolder, TIMED_OUT, Workbench } from '../e2e/harness';
import { ALLOW_HTTP_LOOPBACK_ENV, ENGINE_MODELS, LOCAL_HOST_ENV, REPORT_MARKER, seedWorkspace, SUITE_ENTRY, SUITE_USER_SETTINGS } from './suite/environment';

// Every suite together; generous because CI shares two cores with code-server, Chromium and the engine.
const OVERALL_TIMEOUT_MS = 900_000;

/** Starts the engine, code-server and a page that runs the suites; returns their exit code, or undefined on timeout. */
async function runSuites(run: RunFolder, repoRoot: string, suiteEntry: string): Promise<number | undefined> {
  const hostOutput = fs.createWriteStream(run.file('extension-host-output.log'));
  const engine = await startEngine({ models: { ...ENGINE_MODELS } });
  let server: CodeServer | undefined;
  try {
    server = await CodeServer.start({
      run,
      workspace: seedWorkspace(run.dir('workspace')),
      settings: { ...SUITE_USER_SETTINGS, 'tandem.local.host': engine.url },
      env: { [LOCAL_HOST_ENV]: engine.url, [ALLOW_HTTP_LOOPBACK_ENV]: '1' },
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const exited = new Promise<number>((resolve) => {
        void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
      });
      // The workbench's log and the extension host's console (the mocha report among it) arrive
      // here; the report and first lines of errors go to the terminal, everything to the run folder.
      await page.exposeFunction('codeAutomationLog', (level: string, args: unknown[]) => {
        const message = format(...args);
        hostOutput.write(`[${level}] ${message}\n`);
        const report = message.indexOf(REPORT_MARKER);
        if (report >= 0) console.log(message.slice(report + REPORT_MARKER.length));
        else if (level === 'error') console.error(`[vscode:error] ${message.split('\n')[0]}`);
      });
      await new Workbench(page).open(server, run.dir('workspace'), [
        ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
        ['extensionTestsPath', server.remoteUri(suiteEntry)],
      ]);
      const finished = await raceTimeout(exited, OVERALL_TIMEOUT_MS);
      return finished === TIMED_OUT ? undefined : finished;
    } finally {
      await closeBrowser(browser);
    }
  } finally {
    await server?.stop();
    await engine.stop();
    hostOutput.end();
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  // Sampled rarely: each sample walks /proc synchronously (~200 ms on a loaded machine) and stalls
  // this process's event loop, which also serves the engine's token streams.
  const memory = new PeakMemorySampler(process.pid, 5_000);
  const repoRoot = findRepoRoot();
  const suiteEntry = path.join(repoRoot, SUITE_ENTRY);
  if (!fs.existsSync(suiteEntry)) throw new Error(`${suiteEntry} is missing: build it with \`node esbuild.js --tests\``);
  const run = new RunFolder('tandem-integration-');
  let result: string;
  let passed = false;
  try {
    const exitCode = await runSuites(run, repoRoot, suiteEntry);
    passed = exitCode === 0;
    result = exitCode === undefined ? `timed out after ${OVERALL_TIMEOUT_MS / 1000}s` : passed ? 'passed' : `failed (exit code ${exitCode})`;
  } catch (error) {
    console.error(error);
    result = 'could not run';
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`integration suites in code-server: ${result} in ${seconds}s, peak memory ${memory.stop()} MB`);
  if (passed) run.remove();
  else console.error(`run folder kept for debugging: ${run.root} (code-server.log, user-data/logs/, extension-host-output.log)`);
  return passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
