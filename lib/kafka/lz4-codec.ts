import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressBlock, decompress } from 'lz4js';
import { Lz4CodecError } from './errors';

/*
 * LZ4 frame codec in plain JavaScript (block coder from lz4js), so Lambda bundles need no native
 * build. lz4js's own frame writer is not used: it marks blocks as dependent, which Kafka's Java
 * LZ4 reader rejects ("BLOCK_INDEPENDENCE must be set"). This writer emits what Kafka's Java
 * producer emits: frame version 1, independent blocks, 64 KB maximum block size, no checksums
 * beyond the header checksum.
 */

const MAGIC = 0x184d2204;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const BD_MAX_BLOCK_64KB = 4 << 4;
const MAX_BLOCK_BYTES = 64 * 1024;
/*
 * Bytes of input per block: a little below the declared maximum, because lz4js may end a match 5
 * bytes before the block end, and strict decoders (lz4-java, liblz4) check match ends against
 * their buffer capacity minus a margin of up to 12 bytes.
 */
const BLOCK_INPUT_BYTES = MAX_BLOCK_BYTES - 16;
const UNCOMPRESSED_BLOCK_FLAG = 0x80000000;
const HASH_TABLE_SIZE = 1 << 16;

const PRIME32_1 = 2654435761;
const PRIME32_2 = 2246822519;
const PRIME32_3 = 3266489917;
const PRIME32_4 = 668265263;
const PRIME32_5 = 374761393;

const rotl32 = (value: number, bits: number): number => ((value << bits) | (value >>> (32 - bits))) >>> 0;

/** xxHash32 of a short byte range (seed 0), for the frame descriptor checksum. */
function xxh32Short(bytes: Uint8Array): number {
  let hash = (PRIME32_5 + bytes.length) >>> 0;
  let index = 0;
  for (; index + 4 <= bytes.length; index += 4) {
    const word =
      ((bytes[index] ?? 0) |
        ((bytes[index + 1] ?? 0) << 8) |
        ((bytes[index + 2] ?? 0) << 16) |
        ((bytes[index + 3] ?? 0) << 24)) >>>
      0;
    hash = (hash + Math.imul(word, PRIME32_3)) >>> 0;
    hash = Math.imul(rotl32(hash, 17), PRIME32_4) >>> 0;
  }
  for (; index < bytes.length; index++) {
    hash = (hash + Math.imul(bytes[index] ?? 0, PRIME32_5)) >>> 0;
    hash = Math.imul(rotl32(hash, 11), PRIME32_1) >>> 0;
  }
  hash ^= hash >>> 15;
  hash = Math.imul(hash, PRIME32_2) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, PRIME32_3) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Compresses bytes into one LZ4 frame that Kafka's Java clients and brokers accept. */
export function lz4CompressFrame(input: Uint8Array): Buffer {
  const blockCount = Math.max(1, Math.ceil(input.length / BLOCK_INPUT_BYTES));
  // Worst case: every block stored raw with its 4-byte size, plus header and end mark.
  const output = Buffer.allocUnsafe(7 + input.length + blockCount * 4 + 4);
  output.writeUInt32LE(MAGIC, 0);
  output[4] = FLG_VERSION_1 | FLG_BLOCK_INDEPENDENCE;
  output[5] = BD_MAX_BLOCK_64KB;
  output[6] = (xxh32Short(output.subarray(4, 6)) >>> 8) & 0xff;
  let outIndex = 7;

  const hashTable = new Uint32Array(HASH_TABLE_SIZE);
  const blockBuffer = new Uint8Array(MAX_BLOCK_BYTES + MAX_BLOCK_BYTES / 255 + 16);
  for (let start = 0; start < input.length; start += BLOCK_INPUT_BYTES) {
    const length = Math.min(BLOCK_INPUT_BYTES, input.length - start);
    // A fresh table per block keeps matches inside the block: the blocks are independent.
    hashTable.fill(0);
    const compressedLength = compressBlock(input, blockBuffer, start, length, hashTable);
    if (compressedLength > 0 && compressedLength < length) {
      output.writeUInt32LE(compressedLength, outIndex);
      output.set(blockBuffer.subarray(0, compressedLength), outIndex + 4);
      outIndex += 4 + compressedLength;
    } else {
      output.writeUInt32LE((UNCOMPRESSED_BLOCK_FLAG | length) >>> 0, outIndex);
      output.set(input.subarray(start, start + length), outIndex + 4);
      outIndex += 4 + length;
    }
  }
  output.writeUInt32LE(0, outIndex);
  return output.subarray(0, outIndex + 4);
}

/** Decompresses one LZ4 frame (any block size, dependent or independent blocks, checksums skipped). */
export function lz4DecompressFrame(frame: Uint8Array): Buffer {
  try {
    const bytes = decompress(frame);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  } catch (error) {
    throw new Lz4CodecError('Cannot decompress an LZ4 frame', { cause: error });
  }
}

/** The codec in the shape kafkajs expects in `CompressionCodecs`. */
export const lz4KafkajsCodec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    return lz4CompressFrame(encoder.buffer);
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return lz4DecompressFrame(buffer);
  },
};

/** Registers the pure-JS LZ4 codec with kafkajs (process-wide; idempotent). */
export function registerLz4Codec(): void {
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4KafkajsCodec;
}
