import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

// The wasm backend's browser tests, in headless Chromium through vitest's browser mode:
//   pnpm test:browser   (from the repository root)
// Debian's chromium (`apt-get install -y chromium`) drives them; no browser is ever downloaded.
// Two projects, because cross-origin isolation is a property of the whole page: `*.browser.test.ts`
// run in a plain page (no SharedArrayBuffer), `*.isolated.browser.test.ts` in a page served with
// COOP/COEP headers (SharedArrayBuffer, and threads inside a Web Worker).

const root = fileURLToPath(new URL('.', import.meta.url));

const chromium = () =>
  playwright({
    launchOptions: {
      executablePath: process.env.KILN_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  });

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root,
  resolve: { conditions: ['source'] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'wasm-chromium',
          include: ['src/**/*.browser.test.ts'],
          exclude: ['src/**/*.isolated.browser.test.ts', '**/node_modules/**'],
          browser: {
            enabled: true,
            headless: true,
            provider: chromium(),
            instances: [{ browser: 'chromium' }],
            screenshotFailures: false,
          },
        },
      },
      {
        extends: true,
        server: { headers: ISOLATION_HEADERS },
        test: {
          name: 'wasm-chromium-isolated',
          include: ['src/**/*.isolated.browser.test.ts'],
          exclude: ['**/node_modules/**'],
          browser: {
            enabled: true,
            headless: true,
            provider: chromium(),
            instances: [{ browser: 'chromium' }],
            screenshotFailures: false,
          },
        },
      },
    ],
  },
});
