// Entry point the extension host loads through `extensionTestsPath` (code-server launcher and
// @vscode/test-electron alike). It is bundled to one CommonJS file with the suites inside;
// mocha itself stays in node_modules.
import { format } from 'node:util';
import Mocha from 'mocha';
import { REPORT_MARKER } from './environment';

/** Suites bundled into this file; each is evaluated after mocha has put `describe`/`it` on the global object. */
const suites: Record<string, () => Promise<unknown>> = {
  'activation.test.ts': () => import('./activation.test'),
  'policy.test.ts': () => import('./policy.test'),
  'usage.test.ts': () => import('./usage.test'),
  'commands.test.ts': () => import('./commands.test'),
  'completion.test.ts': () => import('./completion.test'),
};

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 30_000 });
  // The report reaches the launcher mixed with the workbench's log; the marker sets it apart.
  const consoleLog = Mocha.reporters.Base.consoleLog;
  Mocha.reporters.Base.consoleLog = (...data: unknown[]) => consoleLog(REPORT_MARKER + format(...data));
  try {
    for (const [file, load] of Object.entries(suites)) {
      // What mocha's own loadFiles does around each require().
      mocha.suite.emit('pre-require', globalThis, file, mocha);
      mocha.suite.emit('require', await load(), file, mocha);
      mocha.suite.emit('post-require', globalThis, file, mocha);
    }
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
  } finally {
    Mocha.reporters.Base.consoleLog = consoleLog;
  }
}
