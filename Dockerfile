# The hub as docker-compose.yml runs it: built into one bundle (`npm run build`, dist/hub/) and run
# as `npm run start:built` runs it, with no TypeScript loader. The sources and the production
# dependencies stay in the image for handler modules (HUB_HANDLER_MODULES), which Node 24 loads
# as TypeScript by stripping the types.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
COPY schema ./schema
COPY resolvers ./resolvers
COPY handlers ./handlers
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY schema ./schema
COPY resolvers ./resolvers
COPY handlers ./handlers
COPY examples ./examples
COPY console/dist ./console/dist
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
ENV HOST=0.0.0.0 PORT=4000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:4000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# As `npm run start:built`: the young generation capped at Node 20's default (16 MB semi-spaces), since
# Node 24's larger one costs RSS per graphql-ws subscriber and at idle (bench:idle and bench:s4 measure it).
CMD ["node", "--max-semi-space-size=16", "dist/hub/main.js"]
