# The hub as docker-compose.yml runs it. TypeScript runs through tsx, as with `npm start`.
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
USER node
EXPOSE 4000
ENV HOST=0.0.0.0 PORT=4000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:4000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# As `npm start`: the young generation capped at Node 20's default (16 MB semi-spaces), since Node 24's
# larger one costs RSS per graphql-ws subscriber and at idle (bench:idle and bench:s4 measure it).
CMD ["node", "--max-semi-space-size=16", "--import", "tsx", "src/main.ts"]
