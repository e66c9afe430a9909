import { defineConfig } from 'vitest/config';

// The console and gallery are served by the NekoHub binary on the same origin as the API,
// under a strict Content-Security-Policy (no inline scripts or styles, 'self' only).
export default defineConfig({
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2020',
    // The modulepreload polyfill would be inlined into the entry; modern browsers do not need it.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URIs into CSS/JS (keeps the CSP story simple).
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    // `npm run dev` proxies the API to a locally running backend.
    proxy: {
      '/api': 'http://localhost:5121',
      '/content': 'http://localhost:5121',
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
