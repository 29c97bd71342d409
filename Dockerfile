# ccow-s3 gateway on Node 24 LTS (the guide: the Docker image uses Node 24).
# Build: docker build -t ccow-s3 .   Run: docker run -p 9000:9000 -v ccow-data:/data ccow-s3
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY conformance ./conformance
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production CCOW_LISTEN=0.0.0.0:9000 CCOW_DATA=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
COPY bin ./bin
VOLUME /data
EXPOSE 9000
# Health endpoints need no auth (README: Unauthenticated endpoints). The check follows CCOW_LISTEN's
# port and CCOW_TLS_CERT (HTTPS), so `-e CCOW_TLS_CERT=… -e CCOW_TLS_KEY=…` stays healthy.
HEALTHCHECK CMD ["node", "/app/bin/healthcheck.mjs"]
ENTRYPOINT ["bin/ccow"]
CMD ["serve"]
