import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Route, startServer } from '../test/http-server.js';
import { downloadFile, sha256File } from './download.js';

const body = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251);
const sha = createHash('sha256').update(body).digest('hex');
const routes = new Map<string, Route>([
  ['/ok.bin', { kind: 'file', body }],
  ['/drop.bin', { kind: 'drop', body, after: 70_000 }],
  ['/moved.bin', { kind: 'status', code: 500 }],
]);

let server: Awaited<ReturnType<typeof startServer>>;
let root: string;

beforeAll(async () => {
  server = await startServer(routes);
  root = await mkdtemp(join(tmpdir(), 'kiln-download-'));
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('downloadFile', () => {
  it('downloads and verifies a file', async () => {
    const dest = join(root, 'ok', 'ok.bin');
    await downloadFile(`${server.url}ok.bin`, dest, { sha256: sha });
    expect(new Uint8Array(await readFile(dest))).toEqual(body);
    expect(await sha256File(dest)).toBe(sha);
    expect(await readdir(join(root, 'ok'))).toEqual(['ok.bin']);
  });

  it('fails on a checksum mismatch and leaves nothing behind', async () => {
    const dir = join(root, 'sum');
    await expect(
      downloadFile(`${server.url}ok.bin`, join(dir, 'f.bin'), { sha256: '0'.repeat(64) }),
    ).rejects.toThrow(
      new RegExp(`checksum mismatch for ${server.url}ok\\.bin: expected sha256 0{64}, got ${sha}`),
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails on 404 and 500, naming the URL', async () => {
    const dir = join(root, 'status');
    const missing = downloadFile(`${server.url}missing.bin`, join(dir, 'f.bin'));
    await expect(missing).rejects.toThrow(KilnError);
    await expect(downloadFile(`${server.url}missing.bin`, join(dir, 'f.bin'))).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:\d+\/missing\.bin returned 404 Not Found/,
    );
    await expect(downloadFile(`${server.url}moved.bin`, join(dir, 'f.bin'))).rejects.toThrow(/returned 500/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails when the connection drops mid-file and leaves nothing behind', async () => {
    const dir = join(root, 'drop');
    await expect(downloadFile(`${server.url}drop.bin`, join(dir, 'f.bin'))).rejects.toThrow(
      /drop\.bin: connection closed after 70000 of 200000 bytes/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails on a refused connection and an unsupported protocol', async () => {
    const dir = join(root, 'refused');
    await expect(downloadFile('http://127.0.0.1:1/x.bin', join(dir, 'f.bin'))).rejects.toThrow(
      /cannot fetch http:\/\/127\.0\.0\.1:1\/x\.bin/,
    );
    await expect(downloadFile('ftp://127.0.0.1/x.bin', join(dir, 'f.bin'))).rejects.toThrow(
      /unsupported protocol/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
