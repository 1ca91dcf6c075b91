/// <reference types="vitest/config" />
import { defineConfig, loadEnv } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

/**
 * The SPA is served on the same origin as the API: `/api` is proxied to `FETMS_API_URL`
 * (CloudFront does the same in production). `vite preview` (what `make run` uses) sends the
 * strict Content-Security-Policy; `FETMS_S3_ORIGIN` is the S3 endpoint browsers upload to and
 * download from (presigned URLs), the only other origin the page may talk to.
 */
export function contentSecurityPolicy(s3Origin: string): string {
  const s3 = s3Origin ? ` ${s3Origin}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${s3}`,
    "font-src 'self'",
    `connect-src 'self'${s3}`,
    `frame-src 'self' blob:${s3}`,
    `object-src 'none'`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), "FETMS_");
  const api = env.FETMS_API_URL || "http://127.0.0.1:8000";
  const s3Origin = env.FETMS_S3_ORIGIN || "";
  const proxy = { "/api": { target: api, changeOrigin: false, xfwd: true } };
  return {
    plugins: [react(), tailwindcss()],
    build: {
      target: "es2022",
      modulePreload: { polyfill: false },
      sourcemap: false,
    },
    server: { host: "127.0.0.1", port: 5173, strictPort: true, proxy },
    preview: {
      host: "127.0.0.1",
      port: 5173,
      strictPort: true,
      proxy,
      headers: {
        "Content-Security-Policy": contentSecurityPolicy(s3Origin),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
      },
    },
    test: {
      environment: "jsdom",
      setupFiles: ["./src/test/setup.ts"],
      include: ["src/**/*.test.{ts,tsx}"],
    },
  };
});
