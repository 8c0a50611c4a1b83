// Generated models live in `.cache/models/` at the repository root (git-ignored). A JSON marker
// next to each file records what produced it and its size; a file whose marker does not match is
// generated again. Files are written under a temporary name and renamed, so concurrent processes
// never see half a model.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CorpusSource } from './bpe';
import { generateTinyModel, PRESETS, type Preset } from './tiny-model';

/** Bump when the generator's output changes, so cached files are regenerated. */
const GENERATOR_REVISION = 1;

export interface CachedModel {
  preset: Preset;
  path: string;
  bytes: number;
  sha256: string;
  parameters: number;
  vocabularySize: number;
  /** Time spent generating in this call; 0 when the cached file was reused. */
  generatedMs: number;
}

type Marker = Omit<CachedModel, 'path' | 'generatedMs'> & { key: string };

/** The directory holding package.json above this file (source or bundle). */
export function findRepoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export class ModelCache {
  private readonly pending = new Map<Preset, Promise<CachedModel>>();

  constructor(
    readonly dir: string,
    private readonly corpus: CorpusSource,
  ) {}

  /** Returns the model for `preset`, generating it first when it is missing or stale. */
  ensure(preset: Preset, onProgress: (written: number, total: number) => void = () => {}): Promise<CachedModel> {
    const earlier = this.pending.get(preset);
    if (earlier) {
      // Progress went to the first caller; a later one sees the finished file.
      return earlier.then((model) => {
        onProgress(model.bytes, model.bytes);
        return model;
      });
    }
    const result = this.load(preset, onProgress);
    this.pending.set(preset, result);
    // A failure should not stick: the next call tries again.
    result.catch(() => this.pending.delete(preset));
    return result;
  }

  private async load(preset: Preset, onProgress: (written: number, total: number) => void): Promise<CachedModel> {
    const file = path.join(this.dir, `tandem-tiny-${preset}-q8_0.gguf`);
    const markerFile = `${file}.json`;
    const key = this.contentKey(preset);
    const existing = readMarker(markerFile);
    if (existing?.key === key && fileSize(file) === existing.bytes) {
      const { key: _key, ...model } = existing;
      onProgress(model.bytes, model.bytes);
      return { ...model, path: file, generatedMs: 0 };
    }
    fs.mkdirSync(this.dir, { recursive: true });
    const started = performance.now();
    const temp = `${file}.${process.pid}.${crypto.randomUUID()}.tmp`;
    try {
      const generated = await generateTinyModel(preset, this.corpus, temp, onProgress);
      const sha256 = await hashFile(temp);
      fs.renameSync(temp, file);
      const marker: Marker = { key, preset, bytes: generated.bytes, sha256, parameters: generated.parameters, vocabularySize: generated.vocabularySize };
      const tempMarker = `${temp}.json`;
      fs.writeFileSync(tempMarker, JSON.stringify(marker, null, 2));
      fs.renameSync(tempMarker, markerFile);
      const { key: _key, ...model } = marker;
      return { ...model, path: file, generatedMs: performance.now() - started };
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }

  /** Identifies what a preset's file is made from: generator revision, hyperparameters, corpus files. */
  contentKey(preset: Preset): string {
    const corpusFiles = fs
      .readdirSync(this.corpus.dir)
      .filter((f) => f.endsWith(this.corpus.extension))
      .sort()
      .map((f) => `${f}:${fs.statSync(path.join(this.corpus.dir, f)).size}`);
    return crypto
      .createHash('sha256')
      .update(JSON.stringify({ revision: GENERATOR_REVISION, hyperparameters: PRESETS[preset], corpusFiles }))
      .digest('hex');
  }
}

/** The cache at `<repo>/.cache/models`, trained on @types/node's declaration files. */
export function defaultModelCache(): ModelCache {
  const root = findRepoRoot();
  return new ModelCache(path.join(root, '.cache', 'models'), { dir: path.join(root, 'node_modules', '@types', 'node'), extension: '.d.ts' });
}

function readMarker(file: string): Marker | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
