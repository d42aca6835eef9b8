import { randomBytes } from 'node:crypto';
import { Lz4CodecError, lz4CompressFrame, lz4DecompressFrame } from './index';

// "billing events " * 400 compressed by the reference lz4 command-line tool (lz4 -BD
// --content-size -B4: dependent blocks, content size and content checksum).
const CLI_FRAME_BASE64 =
  'BCJNGGxAcBcAAAAAAADOMQAAAP8AYmlsbGluZyBldmVudHMgDwD//////////////////////////////2BQZW50cyAAAAAAdabtCw==';

describe('LZ4 frame codec', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['short', Buffer.from('café')],
    ['repetitive, several blocks', Buffer.from('{"eventType":"TopupRequested"}'.repeat(20_000))],
    ['incompressible, several blocks', randomBytes(200_000)],
  ])('round-trips %s input', (_name, input) => {
    expect(lz4DecompressFrame(lz4CompressFrame(input)).equals(input)).toBe(true);
  });

  it('writes the frame Kafka readers require: version 1, independent blocks, 64 KB blocks', () => {
    const frame = lz4CompressFrame(Buffer.from('x'.repeat(1000)));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60);
    expect(frame[5]).toBe(0x40);
    // Header checksum of FLG=0x60, BD=0x40 as the LZ4 frame format defines it (xxh32 >> 8).
    expect(frame[6]).toBe(0x82);
  });

  it('reads a frame written by the reference lz4 tool', () => {
    const decoded = lz4DecompressFrame(Buffer.from(CLI_FRAME_BASE64, 'base64'));
    expect(decoded.toString('utf8')).toBe('billing events '.repeat(400));
  });

  it('refuses bytes that are not an LZ4 frame', () => {
    expect(() => lz4DecompressFrame(Buffer.from('not lz4 at all'))).toThrow(Lz4CodecError);
  });
});
