import { renameSync, writeFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UsageFiles } from '../../../src/core/usage/store';

/** UsageFiles on a real directory, as the extension's (vscode.workspace.fs, and node:fs for the final write). */
export function nodeFiles(dir: string): UsageFiles {
  return {
    async read(name) {
      try {
        return await readFile(join(dir, name), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    write: (name, text) => writeFile(join(dir, name), text, 'utf8'),
    rename: (from, to) => rename(join(dir, from), join(dir, to)),
    replaceNow(name, text) {
      writeFileSync(join(dir, `${name}.final.tmp`), text);
      renameSync(join(dir, `${name}.final.tmp`), join(dir, name));
      return true;
    },
  };
}
