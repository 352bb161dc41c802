# socialsync worker + HTTP service. Node 24 LTS; the dev-only Temporal CLI and emulator are not in the image:
# production points TEMPORAL_ADDRESS and Firestore at real services (see docker-compose.yml).
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV NODE_ENV=production
EXPOSE 8080
CMD ["npm", "start"]
