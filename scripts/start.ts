// `npm start`: Tandem in a real VS Code (code-server) on the local engine. Uses an Ollama server
// that already answers at the default host, or else starts the bundled loopback engine; prints the
// URL to open, and stops everything on Ctrl+C.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CodeServer, RunFolder } from '../test/e2e/harness';
import { startEngine, type Engine } from '../test/engine/server';

const DEFAULT_OLLAMA = 'http://127.0.0.1:11434';
const SAMPLE_FILE = `// Start typing below: ghost text comes from the local engine; Tab accepts it.
export function greet(name: string): string {
  return \`Hello, \${name}!\`;
}

`;

async function ollamaAnswers(host: string): Promise<boolean> {
  try {
    return (await fetch(`${host}/api/version`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true });
  const run = new RunFolder('tandem-start-');
  const workspace = positionals[0] ? path.resolve(positionals[0]) : run.dir('workspace');
  if (!positionals[0]) fs.writeFileSync(path.join(workspace, 'hello.ts'), SAMPLE_FILE);

  let engine: Engine | undefined;
  let localHost = DEFAULT_OLLAMA;
  if (await ollamaAnswers(DEFAULT_OLLAMA)) {
    console.log(`Using the Ollama server at ${DEFAULT_OLLAMA}.`);
  } else {
    console.log('No Ollama server answers; starting the bundled demo engine (tiny generated model: wiring, not quality)…');
    engine = await startEngine({ models: { 'qwen2.5-coder:1.5b-base': '20m', 'qwen2.5-coder:7b': '1m' } });
    localHost = engine.url;
    console.log(`Demo engine on ${engine.url}`);
  }

  const server = await CodeServer.start({
    run,
    workspace,
    settings: { 'tandem.local.host': localHost, 'workbench.colorTheme': 'Default Dark Modern' },
    installExtension: true,
  });
  console.log(`\nTandem is running in VS Code at:\n\n  ${server.url}/?folder=${encodeURIComponent(workspace)}\n\nPress Ctrl+C to stop.`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await server.stop();
    await engine?.stop();
    run.remove();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
