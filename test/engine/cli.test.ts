import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Ollama } from 'ollama';

// The bundle of cli.ts sits next to this test's bundle in out/test/engine/.
const CLI = path.join(__dirname, 'cli.mjs');

describe('loopback engine: CLI', () => {
  it('prints its URL as JSON, serves the named models, and exits 0 on SIGINT', async () => {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: build test/engine/cli.ts first`);
    const child = spawn(process.execPath, [CLI, '--port', '0', '--model', 'demo:base=1m', '--model', 'other=1m', '--api-key', 'k'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = readline.createInterface({ input: child.stdout });
      const first = await Promise.race([
        new Promise<string>((resolve) => lines.once('line', resolve)),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no URL line within 20 s')), 20_000)),
      ]);
      const { url } = JSON.parse(first) as { url: string };
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const names = (await new Ollama({ host: url }).list()).models.map((m) => m.name).sort();
      assert.deepEqual(names, ['demo:base', 'other:latest']);
      const unauthorized = await fetch(`${url}/v1/models`);
      assert.equal(unauthorized.status, 401);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.ok((await fetch(url).catch((e: Error) => e)) instanceof Error, 'the port is closed after exit');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('rejects a malformed --model with a message and exit code 1', async () => {
    const child = spawn(process.execPath, [CLI, '--model', 'demo=7b'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /--model expects name=preset/);
  });
});
