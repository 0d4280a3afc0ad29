/**
 * drizzle-kit configuration for the Novabox database: generates the SQL migrations in
 * services/novabox/drizzle from src/store/schema.ts. Run from the repository root:
 * `npx drizzle-kit generate --config services/novabox/drizzle.config.ts`.
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./services/novabox/src/store/schema.ts",
  out: "./services/novabox/drizzle",
});
