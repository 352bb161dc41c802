/**
 * Run-time check of what the connectors' mappers produced, before anything is written: the canonical models
 * (`Item`, `Profile`, `DailyInsight`, `Audience` in src/platforms/types.ts) and the metric names the Firestore
 * contract promises per item kind (`METRIC_NAMES`, src/domain). A mapper output outside them is a bug in the
 * connector, not something a retry fixes: it fails as a `permanent` platform error naming what is wrong.
 */
import type { z } from 'zod';
import { METRIC_NAMES, type ItemKind, type PlatformId } from '../domain';
import { PlatformError } from '../platforms/errors';
import { Audience, DailyInsight, Item, Profile, type AccountSnapshot } from '../platforms/types';

function invalid(platform: PlatformId, endpoint: string, message: string): PlatformError {
  return new PlatformError('permanent', `mapper output is invalid: ${message}`, { platform, endpoint });
}

function issue(error: z.ZodError): string {
  const first = error.issues[0];
  const path = first && first.path.length > 0 ? first.path.join('.') : '(root)';
  return `"${path}" ${first?.message ?? 'invalid'}`;
}

/** Items of one `listItems` page (or refresh) of `kind`: each a valid `Item` of that kind, metrics in the contract. */
export function validateItems(platform: PlatformId, kind: ItemKind, items: readonly unknown[]): void {
  const endpoint = `listItems(${kind})`;
  const allowed: readonly string[] = METRIC_NAMES[kind];
  items.forEach((raw, index) => {
    const parsed = Item.safeParse(raw);
    if (!parsed.success) throw invalid(platform, endpoint, `item ${index}: ${issue(parsed.error)}`);
    const item = parsed.data;
    if (item.kind !== kind) {
      throw invalid(platform, endpoint, `item ${item.id} is of kind "${item.kind}", not "${kind}"`);
    }
    for (const name of Object.keys(item.metrics)) {
      if (!allowed.includes(name)) {
        throw invalid(
          platform,
          endpoint,
          `item ${item.id} has metric "${name}", which is not a ${kind} metric of the contract (${allowed.join(', ')})`,
        );
      }
    }
  });
}

/** What `fetchAccount` produced: profile, latest insights, daily insights and audience in their models. */
export function validateAccount(platform: PlatformId, snapshot: Omit<AccountSnapshot, 'usage'>): void {
  const endpoint = 'fetchAccount';
  if (typeof snapshot.accountId !== 'string' || snapshot.accountId === '') {
    throw invalid(platform, endpoint, 'accountId is empty');
  }
  const profile = Profile.safeParse(snapshot.profile);
  if (!profile.success) throw invalid(platform, endpoint, `profile: ${issue(profile.error)}`);
  if (snapshot.insights !== undefined) {
    const insights = DailyInsight.shape.metrics.safeParse(snapshot.insights);
    if (!insights.success) throw invalid(platform, endpoint, `insights: ${issue(insights.error)}`);
  }
  for (const [index, day] of (snapshot.daily ?? []).entries()) {
    const parsed = DailyInsight.safeParse(day);
    if (!parsed.success) throw invalid(platform, endpoint, `daily ${index}: ${issue(parsed.error)}`);
  }
  if (snapshot.audience !== undefined) {
    const audience = Audience.safeParse(snapshot.audience);
    if (!audience.success) throw invalid(platform, endpoint, `audience: ${issue(audience.error)}`);
  }
}
