// The console's build: `npm run console:build` (scripts/build-console.mjs) runs it and records a
// hash of the sources beside the output, which a test compares with the sources.
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
