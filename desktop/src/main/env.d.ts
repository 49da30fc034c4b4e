/// <reference types="electron-vite/node" />

interface ImportMetaEnv {
  /** the API server a build talks to (set at build time, e.g. `MAIN_VITE_API_BASE_URL=https://api.example.com`) */
  readonly MAIN_VITE_API_BASE_URL?: string;
}
