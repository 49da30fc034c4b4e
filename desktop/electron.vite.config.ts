import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { devCspPlugin } from './dev-csp.js';

// main and preload bundle the workspace's TypeScript packages (`@aizhao/shared`); npm dependencies stay external
// in main. The preload runs in Electron's sandbox, so it is one CommonJS file that requires only `electron`.
const workspace = ['@aizhao/shared'];

export default defineConfig({
  main: {
    build: {
      externalizeDeps: { exclude: workspace },
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    // the dev server needs a slightly wider CSP than the built app (dev-csp.ts); builds keep index.html's
    plugins: [react(), devCspPlugin()],
    build: {
      minify: true,
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } },
    },
  },
});
