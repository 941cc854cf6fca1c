import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import { KilnError } from '@kiln/tensor';
import { tempPathFor } from './atomic.js';

/**
 * Options of `downloadFile`.
 *
 * @example
 * ```ts
 * import type { DownloadOptions } from '@kiln/data/node';
 * const o: DownloadOptions = { sha256: 'ab12…', timeout: 30_000 };
 * ```
 */
export interface DownloadOptions {
  /** Expected SHA-256 of the file, hex; a mismatch deletes the download and throws. */
  sha256?: string;
  /** Milliseconds without data before the transfer is abandoned (default 60 000). */
  timeout?: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
}

/**
 * Downloads `url` (http or https) to `dest` atomically: the body streams into a temp file beside
 * `dest` while its SHA-256 is computed, and only a complete, verified file is renamed into place.
 * A non-200 status, a dropped connection, a short body, a stall or a checksum mismatch is a
 * `KilnError` naming the URL, and the temp file is removed.
 *
 * @example
 * ```ts
 * import { downloadFile } from '@kiln/data/node';
 * await downloadFile('https://example.com/file.gz', 'data/file.gz', { sha256: '…' });
 * ```
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = tempPathFor(dest);
  try {
    const digest = await fetchTo(url, temp, options, options.maxRedirects ?? 5);
    if (options.sha256 !== undefined && digest !== options.sha256.toLowerCase()) {
      throw new KilnError(
        `downloadFile: checksum mismatch for ${url}: expected sha256 ${options.sha256.toLowerCase()}, got ${digest}\nhelp: the mirror serves a different file; check the mirror URL`,
      );
    }
    await rename(temp, dest);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/**
 * The SHA-256 of a file, hex, or `null` when it does not exist.
 *
 * @example
 * ```ts
 * import { sha256File } from '@kiln/data/node';
 * await sha256File('package.json'); // '3f…'
 * ```
 */
export async function sha256File(path: string): Promise<string | null> {
  try {
    await stat(path);
  } catch {
    return null;
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fetchTo(
  url: string,
  temp: string,
  options: DownloadOptions,
  redirectsLeft: number,
): Promise<string> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new KilnError(`downloadFile: unsupported protocol in ${url} (expected http or https)`);
  }
  const client = parsed.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const timeout = options.timeout ?? 60_000;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = client.get(parsed, resolve);
    req.setTimeout(timeout, () => req.destroy(new Error(`no response within ${timeout} ms`)));
    req.on('error', (e) => reject(new KilnError(`downloadFile: cannot fetch ${url}: ${e.message}`)));
  });
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400 && response.headers.location !== undefined) {
    response.resume();
    if (redirectsLeft <= 0) throw new KilnError(`downloadFile: too many redirects fetching ${url}`);
    return fetchTo(new URL(response.headers.location, url).href, temp, options, redirectsLeft - 1);
  }
  if (status !== 200) {
    response.resume();
    throw new KilnError(
      `downloadFile: GET ${url} returned ${status} ${response.statusMessage ?? ''}`.trimEnd(),
    );
  }
  const lengthHeader = response.headers['content-length'];
  const expected = lengthHeader === undefined ? null : Number(lengthHeader);
  const hash = createHash('sha256');
  const out = createWriteStream(temp);
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (message: string): void => {
        if (settled) return;
        settled = true;
        response.destroy();
        out.destroy();
        reject(new KilnError(`downloadFile: ${url}: ${message}`));
      };
      response.setTimeout(timeout, () => fail(`no data for ${timeout} ms after ${received} bytes`));
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        if (!out.write(chunk)) {
          response.pause();
          out.once('drain', () => response.resume());
        }
      });
      response.on('aborted', () => fail(`connection closed after ${received} of ${expected ?? '?'} bytes`));
      response.on('error', (e) => fail(`connection failed after ${received} bytes: ${e.message}`));
      out.on('error', (e) => fail(`cannot write ${temp}: ${e.message}`));
      response.on('end', () => {
        if (settled) return;
        if (!response.complete || (expected !== null && received !== expected)) {
          fail(`connection closed after ${received} of ${expected ?? '?'} bytes`);
          return;
        }
        settled = true;
        // NOTE: wait for 'close' (fd released), not just 'finish', before the caller renames.
        out.once('close', () => resolve());
        out.end();
      });
      response.on('close', () => {
        if (!settled && !response.complete)
          fail(`connection closed after ${received} of ${expected ?? '?'} bytes`);
      });
    });
  } finally {
    out.destroy();
  }
  return hash.digest('hex');
}
