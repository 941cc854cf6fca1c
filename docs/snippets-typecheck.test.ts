// Every runnable ```ts block of the guides type-checks under the repository's strict options, as a
// reader's editor would see it (docs/scripts/typecheck-snippets.ts; also `pnpm --filter @kiln/docs
// typecheck`). Separate from snippets.test.ts, which runs them: the compiler needs a while.
import { describe, expect, it } from 'vitest';
import { typecheckSnippets } from './scripts/typecheck-snippets.js';

describe('docs snippets type-check', () => {
  it('has no TypeScript errors in any runnable block', () => {
    expect(typecheckSnippets()).toEqual([]);
  }, 240_000);
});
