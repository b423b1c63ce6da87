import { defineConfig } from "vite";

// Everything is bundled into ui/dist and embedded in the app: no CDN, no server at run time.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { outDir: "dist", emptyOutDir: true, target: "safari15" },
});
