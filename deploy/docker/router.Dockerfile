# syntax=docker/dockerfile:1
# The router image: compiled output on plain node, production dependencies only, non-root.
# Build from the repository root: docker build -f deploy/docker/router.Dockerfile -t novabox-mesh/router .
# (Not built in this repository's CI: no container engine on its machines; see README "Packaging".)

# --- build: every dependency, compile the services (and the web apps) -------------------------
FROM node:20.20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- production dependencies only (better-sqlite3 compiled here, against the same node) --------
FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime -----------------------------------------------------------------------------------
FROM node:20.20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/dist ./dist

USER node
EXPOSE 50060
# The heap bounds and malloc arenas of deploy/systemd/novares-router.service (README, "The directory
# at national scale"; deploy-manifests.test.ts checks they agree).
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=256", "dist/services/router/src/server/main.bundle.js"]
