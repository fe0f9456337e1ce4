import { defineConfig } from 'vite';

// The build is embedded into Tally.Server (see Tally.Server.csproj): flat file names, no inline scripts
// (the page's Content-Security-Policy allows only 'self'), nothing fetched from another origin.
export default defineConfig({
  build: {
    outDir: 'dist',
    assetsDir: '',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
});
