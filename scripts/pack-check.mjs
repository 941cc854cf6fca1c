// Runs publint and @arethetypeswrong/cli (attw --pack) on every package in packages/*, after a
// build (this script builds nothing), and exits 1 when either reports an error for any package.
//
//   pnpm build && pnpm pack:check
//   pnpm pack:check tensor nn       # only these packages
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const only = process.argv.slice(2);

/**
 * Entry points that are ES modules on purpose (no `require` condition), checked with attw's
 * `esm-only` profile: `kiln/wasm` awaits at the top level, which CommonJS cannot load.
 */
const ESM_ONLY = { kiln: ['./wasm'] };

const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'packages', d.name, 'package.json')))
  .map((d) => d.name)
  .filter((name) => only.length === 0 || only.includes(name))
  .filter(
    (name) => JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')).private !== true,
  )
  .sort();

const failures = [];
for (const name of packages) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'dist'))) {
    console.error(`\n✗ ${name}: no dist/ (build first)`);
    failures.push(`${name}: not built`);
    continue;
  }
  // NOTE: Node 10's resolution (no `exports`) is out of scope: the packages require Node ≥ 20.
  const attw = (...extra) => [bin('attw'), '--pack', dir, '--profile', 'node16', ...extra];
  const esmOnly = ESM_ONLY[name] ?? [];
  const checks = [['publint', [bin('publint'), dir]]];
  if (esmOnly.length === 0) checks.push(['attw', attw()]);
  else {
    checks.push(['attw', attw('--exclude-entrypoints', ...esmOnly)]);
    checks.push(['attw (ESM-only entry points)', attw('--entrypoints', ...esmOnly, '--profile', 'esm-only')]);
  }
  for (const [tool, [cmd, ...args]] of checks) {
    console.log(`\n── ${name}: ${tool}`);
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) failures.push(`${name}: ${tool} (exit ${r.status ?? r.signal})`);
  }
}

console.log('');
if (failures.length > 0) {
  console.error(`pack:check failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`pack:check: ${packages.length} packages clean (publint, attw)`);
