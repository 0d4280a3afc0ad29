/**
 * Builds one of the two browser apps: `vite build -c web/vite.config.ts --mode novabox` (the Novabox
 * admin panel, to web/dist/novabox) or `--mode console` (the Novares console, to web/dist/console).
 * Generated clients come from ../gen through the `#gen` alias: the name the services import them by
 * (package.json "imports").
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

const apps = ["novabox", "console"] as const;

export default defineConfig(({ mode }) => {
  const app = apps.find((a) => a === mode);
  if (!app) throw new Error(`unknown app "${mode}": use --mode novabox or --mode console`);
  return {
    root: fileURLToPath(new URL(`./${app}`, import.meta.url)),
    base: "/",
    plugins: [solid()],
    resolve: { alias: { "#gen": fileURLToPath(new URL("../gen", import.meta.url)) } },
    build: { outDir: fileURLToPath(new URL(`./dist/${app}`, import.meta.url)), emptyOutDir: true, target: "es2022" },
    logLevel: "warn",
  };
});
