/**
 * The seed's `syncAllPlatforms` (the original plan's sync loop), shared by issue 13's two baseline loops: for one
 * user, each platform in turn, fetch then save; a platform that fails is logged with `console.error` (or `onError`)
 * and skipped. Only the orchestration is shared: each loop brings its own fetch and save.
 */
import type { PlatformId } from '../src/domain';
import type { BenchConnection } from './multi-platform';

export interface SeedShapeSteps<Data> {
  fetch(platform: PlatformId, connection: BenchConnection): Promise<Data>;
  save(connection: BenchConnection, data: Data): Promise<void>;
  /** Called instead of console.error when set. */
  onError?: (message: string) => void;
  /** How a failure is named in the message (default: its message). */
  describe?: (error: unknown) => string;
}

/** One user's platforms, one after another. Returns how many platform syncs failed. */
export async function syncAllPlatforms<Data>(
  user: Partial<Record<PlatformId, BenchConnection>>,
  steps: SeedShapeSteps<Data>,
): Promise<number> {
  const platforms: PlatformId[] = ['instagram', 'twitter', 'tiktok'];
  let failed = 0;
  for (const platform of platforms) {
    const connection = user[platform];
    if (!connection) continue;
    try {
      await steps.save(connection, await steps.fetch(platform, connection));
    } catch (error) {
      failed += 1;
      const reason = steps.describe
        ? steps.describe(error)
        : error instanceof Error
          ? error.message
          : String(error);
      const message = `Sync failed for ${platform}: ${reason}`;
      if (steps.onError) steps.onError(message);
      else console.error(message);
    }
  }
  return failed;
}
