# Portico: multi-stage build, runs as a non-root user, with a health check.
# Build:  docker build -t portico .
# Run:    see compose.yaml (PostgreSQL + Redis) and the README's "Running in production".

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json knexfile.ts ./
COPY src ./src
COPY migrations ./migrations
COPY seeds ./seeds
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY public ./public
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# /readyz: the database and Redis answer. Node's own fetch, so the image needs no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM → graceful shutdown: requests and mail in flight finish first.
STOPSIGNAL SIGTERM
# The node flags bound the V8 heap (README, "Running in production": Memory); the supervisor's HTTP
# processes get them too. npm run bench and .ci/image start the app with this same command.
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=1024", "--v8-pool-size=0", "dist/src/server.js"]
