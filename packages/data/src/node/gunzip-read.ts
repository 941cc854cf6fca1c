import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { KilnError } from '@kiln/tensor';

/**
 * @internal Streams a file (gunzipped when it starts with the gzip magic) and hands the bytes to
 * `sink` chunk by chunk; rejects with a `KilnError` naming the file on a read or gzip error.
 */
export async function streamFile(path: string, sink: (chunk: Uint8Array) => void, op: string): Promise<void> {
  const gz = await isGzip(path, op);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream: Readable = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  if (gz) raw.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) sink(chunk as Buffer);
  } catch (e) {
    raw.destroy();
    if (KilnError.isInstance(e)) throw e;
    const message = (e as Error).message;
    if (gz && /unexpected end of file/i.test(message)) {
      throw new KilnError(`${op}: ${path} is truncated: the gzip stream ends early (${message})`);
    }
    throw new KilnError(`${op}: cannot read ${path}: ${gz ? 'corrupted gzip data: ' : ''}${message}`);
  }
}

async function isGzip(path: string, op: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new KilnError(`${op}: cannot open ${path}: ${(e as Error).message}`);
  }
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
