# syntax=docker/dockerfile:1
# The novabox image: compiled output on plain node, production dependencies only, non-root.
# Build from the repository root: docker build -f deploy/docker/novabox.Dockerfile -t novabox-mesh/novabox .
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
COPY --from=build /src/web/dist/novabox ./web/dist/novabox
ENV ANPR_HOME=/anpr_home
RUN mkdir -p /anpr_home && chown node:node /anpr_home && chmod 0700 /anpr_home
VOLUME /anpr_home
# The key comes from a secret file (fails closed when missing): docker/Kubernetes secrets.
ENV NOVABOX_SECRET_KEY_FILE=/run/secrets/novabox-secret-key
USER node
EXPOSE 50051 8080
# The one-file bundle scripts/build.sh writes, with the memory flags of deploy/systemd/novabox.service
# (README "Performance").
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-semi-space-size=1", "--v8-pool-size=1", "dist/services/novabox/src/server/main.bundle.js"]
