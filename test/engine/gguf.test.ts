import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getLlama, LlamaLogLevel, readGgufFileInfo, type Llama } from 'node-llama-cpp';
import { byteCharacters, trainBpe } from './gguf/bpe';
import { encodeTensor, TensorType, toFloat16Bits } from './gguf/gguf-file';
import { defaultModelCache, findRepoRoot, ModelCache } from './gguf/model-cache';
import { SPECIAL_TOKENS } from './qwen-format';

const corpus = { dir: path.join(findRepoRoot(), 'node_modules', '@types', 'node'), extension: '.d.ts' };

describe('loopback engine: GGUF generator', () => {
  let tempDir: string;
  let llama: Llama;

  before(async () => {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-gguf-'));
    llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, usePrebuiltBinaries: true, progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: 1 });
  });
  after(async () => {
    await llama?.dispose();
    fs.rmSync(tempDir, { recursive: true, force: true });
  });

  it('encodes float16 and Q8_0 like ggml', () => {
    assert.equal(toFloat16Bits(1), 0x3c00);
    assert.equal(toFloat16Bits(-2), 0xc000);
    assert.equal(toFloat16Bits(0.5), 0x3800);
    assert.equal(toFloat16Bits(65504), 0x7bff);
    assert.equal(toFloat16Bits(1e9), 0x7c00);
    assert.equal(toFloat16Bits(1e-9), 0);
    const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * (i < 32 ? 1 : 0.01));
    const encoded = encodeTensor(values, TensorType.Q8_0);
    assert.equal(encoded.length, 2 * 34);
    for (let block = 0; block < 2; block++) {
      const scale = halfToFloat(encoded.readUInt16LE(block * 34));
      for (let j = 0; j < 32; j++) {
        const decoded = scale * encoded.readInt8(block * 34 + 2 + j);
        assert.ok(Math.abs(decoded - values[block * 32 + j]) <= scale * 0.51 + 1e-6, `value ${block * 32 + j}`);
      }
    }
    assert.throws(() => encodeTensor(new Float32Array(33), TensorType.Q8_0), RangeError);
  });

  it('trains byte-level BPE merges deterministically', () => {
    const text = 'export function f() {}\nexport function g() {}\nexport const x = 1;\n'.repeat(20);
    const a = trainBpe(text, 40);
    assert.deepEqual(trainBpe(text, 40), a);
    assert.deepEqual(a.tokens.slice(0, 256), byteCharacters());
    assert.equal(new Set(a.tokens).size, a.tokens.length, 'token strings are unique');
    assert.ok(a.tokens.includes('export'));
    assert.ok(a.tokens.includes('Ġfunction'), 'a word with its leading space becomes one token');
  });

  it('generates the same bytes every time, reports progress, and reuses the cached file', async () => {
    const progress: number[] = [];
    const cache = new ModelCache(tempDir, corpus);
    const fresh = await cache.ensure('1m', (written, total) => progress.push(written / total));
    assert.ok(fresh.generatedMs > 0);
    assert.ok(progress.length > 5 && progress.at(-1) === 1);
    assert.deepEqual([...progress].sort((x, y) => x - y), progress, 'progress only grows');
    const shared = await defaultModelCache().ensure('1m');
    assert.equal(fresh.sha256, shared.sha256, 'a fresh generation equals the cached one');

    const reused = await new ModelCache(tempDir, corpus).ensure('1m');
    assert.equal(reused.generatedMs, 0);
    assert.equal(reused.sha256, fresh.sha256);

    fs.truncateSync(fresh.path, 1000);
    const repaired = await new ModelCache(tempDir, corpus).ensure('1m');
    assert.ok(repaired.generatedMs > 0, 'a file whose size does not match its marker is generated again');
    assert.equal(fs.statSync(repaired.path).size, fresh.bytes);
    assert.deepEqual(
      fs.readdirSync(tempDir).sort(),
      ['tandem-tiny-1m-q8_0.gguf', 'tandem-tiny-1m-q8_0.gguf.json'],
      'no temporary files are left behind',
    );
  });

  it('writes qwen2 metadata with Qwen2.5-Coder FIM token ids', async () => {
    const model = await defaultModelCache().ensure('1m');
    const info = await readGgufFileInfo(model.path, { readTensorInfo: false });
    const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
    assert.equal(md.general.architecture, 'qwen2');
    assert.equal(md.general.file_type, 7);
    const tokenizer = (md.tokenizer as { ggml: Record<string, unknown> }).ggml;
    const tokens = tokenizer.tokens as string[];
    assert.equal(tokenizer.pre, 'qwen2');
    assert.equal(tokens[tokenizer.fim_pre_token_id as number], SPECIAL_TOKENS.fimPrefix);
    assert.equal(tokens[tokenizer.fim_suf_token_id as number], SPECIAL_TOKENS.fimSuffix);
    assert.equal(tokens[tokenizer.fim_mid_token_id as number], SPECIAL_TOKENS.fimMiddle);
    assert.equal(tokens[tokenizer.fim_pad_token_id as number], SPECIAL_TOKENS.fimPad);
    assert.equal(tokens[tokenizer.fim_rep_token_id as number], SPECIAL_TOKENS.repoName);
    assert.equal(tokens[tokenizer.fim_sep_token_id as number], SPECIAL_TOKENS.fileSep);
    assert.equal(tokens.length % 64, 0);
  });

  it('tokenizes FIM markers as single tokens in llama.cpp, and TypeScript compactly', async () => {
    const model = await llama.loadModel({ modelPath: (await defaultModelCache().ensure('20m')).path, vocabOnly: true });
    try {
      const infill = model.tokens.infill;
      assert.ok(infill.prefix !== null && infill.suffix !== null && infill.middle !== null);
      const prompt = `${SPECIAL_TOKENS.fimPrefix}export function add(a: number) {\n  return ${SPECIAL_TOKENS.fimSuffix};\n}\n${SPECIAL_TOKENS.fimMiddle}`;
      const tokens = model.tokenize(prompt, true);
      assert.equal(tokens[0], infill.prefix);
      assert.equal(tokens.at(-1), infill.middle);
      assert.equal(tokens.filter((t) => t === infill.suffix).length, 1);
      assert.equal(model.detokenize(tokens, true), prompt);
      assert.equal(model.tokenize(' function', false).length, 1, "' function' is one learned token");
      const code = fs.readFileSync(path.join(corpus.dir, 'events.d.ts'), 'utf8').slice(0, 4000);
      const count = model.tokenize(code, false).length;
      assert.ok(count < code.length / 2.5, `${count} tokens for ${code.length} characters`);
    } finally {
      await model.dispose();
    }
  });
});

function halfToFloat(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  return exponent === 0 ? sign * mantissa * 2 ** -24 : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
