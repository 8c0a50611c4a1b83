// `npm run engine`: starts the loopback engine and prints one JSON line with its URL.
// Flags: --port N, --model name=preset (repeatable), --pullable name=preset (repeatable),
// --api-key KEY, --threads N, --context-size N. Stops on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { isPreset } from './gguf/tiny-model';
import { startEngine, type Preset } from './server';

function namedPresets(pairs: string[] | undefined, flag: string): Record<string, Preset> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, Preset> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const preset = pair.slice(at + 1);
    if (at <= 0 || !isPreset(preset)) throw new Error(`--${flag} expects name=preset with preset 1m, 20m or 100m; got '${pair}'`);
    out[pair.slice(0, at)] = preset;
  }
  return out;
}

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${flag} expects a non-negative integer; got '${value}'`);
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      model: { type: 'string', multiple: true },
      pullable: { type: 'string', multiple: true },
      'api-key': { type: 'string' },
      threads: { type: 'string' },
      'context-size': { type: 'string' },
    },
    strict: true,
  });
  const engine = await startEngine({
    port: integer(values.port, 'port'),
    models: namedPresets(values.model, 'model'),
    pullable: namedPresets(values.pullable, 'pullable'),
    apiKey: values['api-key'],
    threads: integer(values.threads, 'threads'),
    contextSize: integer(values['context-size'], 'context-size'),
  });
  process.stdout.write(JSON.stringify({ url: engine.url, port: engine.port, pid: process.pid }) + '\n');
  const stop = () => {
    engine.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`loopback engine: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`loopback engine: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
