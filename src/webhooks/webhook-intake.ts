/**
 * Hands verified webhook events to the sync engine: each event's platform account is mapped to the connections
 * that use it (AccountIndex), events already handed over are dropped (platforms redeliver for 36-72 h), and the
 * rest go to `syncService.deliverWebhookEvents`. Events are remembered as delivered only after Temporal accepted
 * them, so a failure means "answer 5xx, the platform retries", never "lost".
 */
import type { PlatformId, WebhookEvent } from '../platforms/types';
import type { Logger } from '../shared/logger';
import type { AccountIndex, ConnectionKey } from '../store/types';
import type { SyncService } from '../sync/service';
import type { WebhookDedupe } from './store-ports';

export interface WebhookIntakeDeps {
  accountIndex: AccountIndex;
  dedupe: WebhookDedupe;
  syncService: SyncService;
  logger: Logger;
}

export interface IntakeOutcome {
  /** Events handed to the engine (counted once per connection they were delivered to). */
  delivered: number;
  duplicates: number;
  /** Events about accounts no connection uses (e.g. disconnected since). */
  unknownAccount: number;
  unknownAccounts: string[];
}

/** Groups events by account, keeping the first of any repeated eventId (Meta batches can repeat entries). */
export function groupByAccount(events: WebhookEvent[]): Map<string, WebhookEvent[]> {
  const groups = new Map<string, WebhookEvent[]>();
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const group = groups.get(event.accountId) ?? [];
    group.push(event);
    groups.set(event.accountId, group);
  }
  return groups;
}

export async function deliverWebhookEvents(
  deps: WebhookIntakeDeps,
  platform: PlatformId,
  events: WebhookEvent[],
): Promise<IntakeOutcome> {
  const outcome: IntakeOutcome = { delivered: 0, duplicates: 0, unknownAccount: 0, unknownAccounts: [] };
  const groups = groupByAccount(events);
  const deliveries: Promise<void>[] = [];
  for (const [accountId, group] of groups) {
    deliveries.push(
      (async () => {
        const keys = await deps.accountIndex.find(platform, accountId);
        if (keys.length === 0) {
          outcome.unknownAccount += group.length;
          outcome.unknownAccounts.push(accountId);
          return;
        }
        await Promise.all(keys.map((key) => deliverToConnection(deps, key, group, outcome)));
      })(),
    );
  }
  // allSettled first so every delivery that can succeed does (and is remembered), then report the first failure.
  const results = await Promise.allSettled(deliveries);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (outcome.unknownAccounts.length > 0) {
    deps.logger.info(
      { platform, accounts: outcome.unknownAccounts, events: outcome.unknownAccount },
      'webhook for unknown account',
    );
  }
  return outcome;
}

async function deliverToConnection(
  deps: WebhookIntakeDeps,
  key: ConnectionKey,
  events: WebhookEvent[],
  outcome: IntakeOutcome,
): Promise<void> {
  const ids = events.map((e) => e.eventId);
  const already = await deps.dedupe.seen(key, ids);
  const fresh = events.filter((e) => !already.has(e.eventId));
  outcome.duplicates += events.length - fresh.length;
  if (fresh.length === 0) return;
  await deps.syncService.deliverWebhookEvents(key, fresh);
  await deps.dedupe.remember(
    key,
    fresh.map((e) => e.eventId),
  );
  outcome.delivered += fresh.length;
}
