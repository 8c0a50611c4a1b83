// Writes GGUF v3 files: header, metadata, tensor infos, then tensor data, each aligned to 32 bytes.
// Tensors are produced and written one at a time so a 100M-parameter model never sits in memory whole.
import * as fs from 'node:fs';

/** GGUF metadata value type ids (gguf.h). */
const ValueType = { Uint32: 4, Int32: 5, Float32: 6, Bool: 7, String: 8, Array: 9 } as const;

/** ggml tensor type ids (ggml.h); only the two the generator needs. */
export const TensorType = { F32: 0, Q8_0: 8 } as const;
export type TensorType = (typeof TensorType)[keyof typeof TensorType];

export type MetadataValue =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]'; value: readonly number[] };

export interface TensorSpec {
  name: string;
  /** ggml order: ne0 (the row length) first. */
  shape: readonly number[];
  type: TensorType;
  fill(): Float32Array;
}

const ALIGNMENT = 32;
const Q8_BLOCK = 32;
const Q8_BLOCK_BYTES = 2 + Q8_BLOCK;

class HeaderBuilder {
  private readonly parts: Buffer[] = [];
  length = 0;

  bytes(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.bytes(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.bytes(b);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  value(v: MetadataValue): void {
    switch (v.type) {
      case 'u32':
        this.u32(ValueType.Uint32);
        this.u32(v.value);
        return;
      case 'f32': {
        this.u32(ValueType.Float32);
        const b = Buffer.alloc(4);
        b.writeFloatLE(v.value);
        this.bytes(b);
        return;
      }
      case 'bool':
        this.u32(ValueType.Bool);
        this.bytes(Buffer.from([v.value ? 1 : 0]));
        return;
      case 'string':
        this.u32(ValueType.String);
        this.string(v.value);
        return;
      case 'string[]':
        this.u32(ValueType.Array);
        this.u32(ValueType.String);
        this.u64(v.value.length);
        for (const s of v.value) this.string(s);
        return;
      case 'i32[]': {
        this.u32(ValueType.Array);
        this.u32(ValueType.Int32);
        this.u64(v.value.length);
        const b = Buffer.alloc(4 * v.value.length);
        v.value.forEach((x, i) => b.writeInt32LE(x, 4 * i));
        this.bytes(b);
        return;
      }
    }
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

/** IEEE float32 -> float16 bits, round to nearest even (ggml's Q8_0 block scale is an f16). */
export function toFloat16Bits(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return half;
}

function tensorByteLength(type: TensorType, elements: number): number {
  return type === TensorType.F32 ? 4 * elements : (elements / Q8_BLOCK) * Q8_BLOCK_BYTES;
}

/** Q8_0: blocks of 32 values, each an f16 scale followed by 32 int8 quants. */
export function encodeTensor(data: Float32Array, type: TensorType): Buffer {
  if (type === TensorType.F32) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data.length % Q8_BLOCK !== 0) throw new RangeError(`Q8_0 needs a multiple of ${Q8_BLOCK} values, got ${data.length}`);
  const blocks = data.length / Q8_BLOCK;
  const out = Buffer.alloc(blocks * Q8_BLOCK_BYTES);
  for (let b = 0; b < blocks; b++) {
    let absMax = 0;
    for (let j = 0; j < Q8_BLOCK; j++) absMax = Math.max(absMax, Math.abs(data[b * Q8_BLOCK + j]));
    const scale = absMax / 127;
    const inverse = scale ? 1 / scale : 0;
    out.writeUInt16LE(toFloat16Bits(scale), b * Q8_BLOCK_BYTES);
    for (let j = 0; j < Q8_BLOCK; j++) out.writeInt8(Math.round(data[b * Q8_BLOCK + j] * inverse), b * Q8_BLOCK_BYTES + 2 + j);
  }
  return out;
}

const padding = (n: number): number => (ALIGNMENT - (n % ALIGNMENT)) % ALIGNMENT;

/**
 * Writes the file and returns its size in bytes. Yields to the event loop after each tensor and
 * reports bytes written, so a server can stream progress while it generates.
 */
export async function writeGgufFile(
  path: string,
  metadata: ReadonlyArray<readonly [string, MetadataValue]>,
  tensors: readonly TensorSpec[],
  onProgress: (written: number, total: number) => void,
): Promise<number> {
  const header = new HeaderBuilder();
  header.bytes(Buffer.from('GGUF', 'ascii'));
  header.u32(3);
  header.u64(tensors.length);
  header.u64(metadata.length);
  for (const [key, value] of metadata) {
    header.string(key);
    header.value(value);
  }
  const byteLengths = tensors.map((t) => tensorByteLength(t.type, t.shape.reduce((a, b) => a * b, 1)));
  let offset = 0;
  tensors.forEach((t, i) => {
    header.string(t.name);
    header.u32(t.shape.length);
    for (const d of t.shape) header.u64(d);
    header.u32(t.type);
    header.u64(offset);
    offset += byteLengths[i] + padding(byteLengths[i]);
  });
  header.bytes(Buffer.alloc(padding(header.length)));
  const total = header.length + offset;

  const fd = fs.openSync(path, 'w');
  try {
    let written = fs.writeSync(fd, header.toBuffer());
    for (const [i, t] of tensors.entries()) {
      const encoded = encodeTensor(t.fill(), t.type);
      if (encoded.length !== byteLengths[i]) throw new RangeError(`tensor ${t.name}: ${encoded.length} bytes, expected ${byteLengths[i]}`);
      written += fs.writeSync(fd, encoded);
      const pad = padding(encoded.length);
      if (pad) written += fs.writeSync(fd, Buffer.alloc(pad));
      onProgress(written, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(path).size;
}
