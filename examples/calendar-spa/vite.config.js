// Built into dist/ with asset URLs under /app/, where `bookings-sessions serve` serves it (docs/spa.md).
// `npm run dev` serves the sources with hot reload and forwards /graphql (HTTP and WebSocket) to a server
// on 127.0.0.1:8000 (`make run`).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:8000', ws: true } } },
});
