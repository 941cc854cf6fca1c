import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The sonames tried, newest first (CUDA 13's cuBLAS, then 12's, then the unversioned link). */
export const CUBLAS_SONAMES: readonly string[] = ['libcublas.so.13', 'libcublas.so.12', 'libcublas.so'];

/** What {@link cublasCandidates} reads from its surroundings; tests pass fakes. */
export interface SearchHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  exists(path: string): boolean;
  list(dir: string): readonly string[];
  home(): string;
}

const nodeHost: SearchHost = {
  env: process.env,
  exists: existsSync,
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  home: () => {
    try {
      return homedir();
    } catch {
      return '';
    }
  },
};

function pythonLibDirs(host: SearchHost, prefix: string): string[] {
  const out: string[] = [];
  for (const name of host.list(join(prefix, 'lib'))) {
    if (!/^python3(\.\d+)?$/.test(name)) continue;
    for (const sub of ['site-packages', 'dist-packages']) out.push(join(prefix, 'lib', name, sub));
  }
  return out;
}

/** Folders searched for libcublas, in order, before the loader's own default search. */
export function cublasSearchDirs(host: SearchHost = nodeHost): string[] {
  const dirs: string[] = [];
  for (const entry of (host.env.LD_LIBRARY_PATH ?? '').split(':')) if (entry !== '') dirs.push(entry);
  for (const root of [host.env.CUDA_HOME, host.env.CUDA_PATH]) if (root) dirs.push(join(root, 'lib64'));
  dirs.push('/usr/local/cuda/lib64');
  const versioned = host
    .list('/usr/local')
    .filter((name) => /^cuda-\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number.parseFloat(b.slice(5)) - Number.parseFloat(a.slice(5)));
  for (const name of versioned) dirs.push(join('/usr/local', name, 'lib64'));
  dirs.push('/usr/lib/x86_64-linux-gnu', '/usr/lib64');
  // Python wheels (nvidia-cublas-cu12 / -cu13, as PyTorch installs them).
  const prefixes = [host.env.VIRTUAL_ENV, host.env.CONDA_PREFIX, '/usr/local', '/usr', '/opt/conda'];
  const home = host.home();
  if (home !== '') prefixes.push(join(home, '.local'));
  const sitePackages: string[] = [];
  for (const prefix of prefixes) if (prefix) sitePackages.push(...pythonLibDirs(host, prefix));
  sitePackages.push('/usr/lib/python3/dist-packages');
  for (const site of sitePackages) {
    dirs.push(join(site, 'nvidia', 'cublas', 'lib'), join(site, 'nvidia', 'cu13', 'lib'));
  }
  return [...new Set(dirs)];
}

/**
 * Every libcublas the addon should try with `dlopen`, in order: an explicit path (the
 * `cublasPath` option or `KILN_CUBLAS_PATH`), the files that exist in {@link cublasSearchDirs},
 * then the bare sonames for the dynamic loader's own search.
 */
export function cublasCandidates(explicit?: string, host: SearchHost = nodeHost): string[] {
  const out: string[] = [];
  for (const path of [explicit, host.env.KILN_CUBLAS_PATH]) if (path) out.push(path);
  for (const dir of cublasSearchDirs(host)) {
    for (const soname of CUBLAS_SONAMES) {
      const path = join(dir, soname);
      if (host.exists(path)) out.push(path);
    }
  }
  out.push(...CUBLAS_SONAMES);
  return [...new Set(out)];
}
