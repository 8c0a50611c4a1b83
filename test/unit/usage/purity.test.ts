import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

describe('src/core/usage purity', () => {
  it('imports neither vscode nor Node built-ins (I/O and timers are injected)', async () => {
    // This bundle runs from out/test/unit/usage/.
    const dir = join(__dirname, '..', '..', '..', '..', 'src', 'core', 'usage');
    const files = (await readdir(dir)).filter((name) => name.endsWith('.ts'));
    assert.ok(files.length >= 6, files.join());
    for (const name of files) {
      const imports = [...(await readFile(join(dir, name), 'utf8')).matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      assert.deepEqual(imports.filter((spec) => !spec.startsWith('./')), [], `${name} imports only sibling modules`);
    }
  });
});
