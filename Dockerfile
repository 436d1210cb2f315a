# syntax=docker/dockerfile:1
# Keel: one image serving the API, tRPC, the worker and the built dashboard.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN npm install --global --no-fund --no-audit pnpm@10.34.9
COPY package.json pnpm-lock.yaml ./
RUN pnpm install --frozen-lockfile

FROM deps AS build
COPY . .
RUN pnpm build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
RUN npm install --global --no-fund --no-audit pnpm@10.34.9
COPY package.json pnpm-lock.yaml ./
RUN pnpm install --frozen-lockfile --prod

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY drizzle ./drizzle
COPY src ./src
COPY testbed ./testbed
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Compiled JavaScript (pnpm build → dist/server): no TypeScript compiler at start. The sources stay in the
# image for the command-line tools (pnpm db:migrate, user:create, migrate), which run through tsx.
CMD ["node", "dist/server/main.js"]
