# chan-engine service image. Not exercised here (no Docker engine on the build machines): kept minimal.
# Build stage: compiles better-sqlite3 from source and the WASM/TypeScript from this checkout; the service's
# packages (optional peer dependencies, which a prune removes) are installed again for `chan serve`.
FROM node:20-bookworm AS build
WORKDIR /app
COPY . .
RUN npm install --no-audit --no-fund && npm run build && npm prune --omit=dev \
  && npm install --no-save --no-audit --no-fund $(node -p "Object.entries(require('./package.json').peerDependencies).map(([n, v]) => n + '@' + v).join(' ')")

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
COPY --from=build /app/proto ./proto
COPY --from=build /app/deploy/chan.yaml ./deploy/chan.yaml
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 50051 9464
# SIGTERM (docker stop) drains calls and closes the store; give it longer than shutdown_grace_ms.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve", "--host", "0.0.0.0", "--db", "/data/chan.db"]
