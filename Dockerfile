# socialsync image: one image, three roles (`start --role service|worker|all`, or SOCIALSYNC_ROLE).
# Build stage compiles TypeScript to dist/ and drops the dev dependencies; the runtime stage holds the compiled code
# and the production dependencies only, runs as the unprivileged `node` user under tini (PID 1 forwards SIGTERM and
# reaps zombies), and checks /healthz of whichever role runs. No Temporal CLI, emulator or tsx in it: production
# names its Temporal and Firestore by configuration (docs/operations.md, docker-compose.yml).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    SOCIALSYNC_ROLE=service \
    PORT=8080 \
    WORKER_HTTP_PORT=8081
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
USER node
EXPOSE 8080 8081
# The role's own HTTP server: the service on PORT, a worker on WORKER_HTTP_PORT. /healthz answers while the process
# runs; /readyz (dependencies) is for load balancers and orchestrators, not for restarting the container.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const p = process.env.SOCIALSYNC_ROLE === 'worker' ? process.env.WORKER_HTTP_PORT : process.env.PORT; fetch(`http://127.0.0.1:${p}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/cli/main.js"]
CMD ["start"]
