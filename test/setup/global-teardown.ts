import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__socialsyncServers;
  if (!servers) return;
  await Promise.allSettled([servers.temporal.stop(), servers.firestore.stop(), servers.auth.stop()]);
  fs.rmSync(servers.dataDir, { recursive: true, force: true });
  globalThis.__socialsyncServers = undefined;
}
