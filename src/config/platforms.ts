/**
 * `PLATFORMS`: the platforms this deployment serves (docs/contract.md → Environment). Unset = all of them. A
 * platform left out gets no connector, no sandbox and no routes (404), and production does not ask for its
 * credentials.
 */
import { PLATFORM_IDS, isPlatformId, type PlatformId } from '../domain';

export interface ParsedPlatforms {
  /** In registry order, without duplicates. */
  platforms: PlatformId[];
  /** Names that are not platform ids, as written. */
  unknown: string[];
}

/** `instagram,twitter` → those two; blank or unset → every platform. */
export function parsePlatforms(raw: string | undefined): ParsedPlatforms {
  const names = (raw ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) return { platforms: [...PLATFORM_IDS], unknown: [] };
  return {
    platforms: PLATFORM_IDS.filter((p) => names.includes(p)),
    unknown: names.filter((n) => !isPlatformId(n)),
  };
}
