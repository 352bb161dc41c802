/**
 * Hands verified webhook events to the sync engine: each event's platform account is mapped to the connections
 * that use it (AccountIndex), events already handed over are dropped (platforms redeliver for 36-72 h), and the
 * rest go to `syncService.deliverWebhookEvents`. Events are remembered as delivered only after Temporal accepted
 * them, so a failure means "answer 5xx, the platform retries", never "lost".
 *
 * Concurrent deliveries for one connection are coalesced (`ConnectionBatcher`): the first opens a batch, which
 * starts after `windowMs`; whatever arrives for that connection while it runs joins the next batch. A batch costs
 * one dedupe read (`getAll`), one `deliverWebhookEvents` (one `signalWithStart` with all its events) and one batched
 * dedupe write, whatever the number of requests in it. Each request is answered only after the batch carrying its
 * events completed; if any step fails, every request of that batch fails (5xx) and nothing of it is remembered.
 */
import type { PlatformId, WebhookEvent } from '../platforms/types';
import type { Logger } from '../shared/logger';
import type { AccountIndex } from '../store/types';
import type { SyncService } from '../sync/service';
import type { WebhookDedupe } from '../store';
import type { ConnectionKey } from '../domain';

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

export interface BatchingOptions {
  /** How long a new batch waits for more requests before it starts. */
  windowMs: number;
  /** Events per batch (a single larger request still goes alone in one batch). */
  maxEvents: number;
  /**
   * Batches of one connection reading the dedupe records and signalling at once (writing the records of a batch
   * that was signalled overlaps with the next batch). Two batches in flight may both carry a redelivery racing
   * its original: both pass the dedupe read, and the workflow, which dedupes by event id, counts it once. A
   * redelivery sent after the original was answered is always caught: the answer waits for the record.
   */
  maxInFlight: number;
}

export const DEFAULT_BATCHING: BatchingOptions = { windowMs: 10, maxEvents: 500, maxInFlight: 1 };

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

export type WebhookIntake = (platform: PlatformId, events: WebhookEvent[]) => Promise<IntakeOutcome>;

/** The intake of one app: its batches are shared by every request it serves. */
export function createWebhookIntake(
  deps: WebhookIntakeDeps,
  batching: Partial<BatchingOptions> = {},
): WebhookIntake {
  const batcher = new ConnectionBatcher(deps, { ...DEFAULT_BATCHING, ...batching });
  return async (platform, events) => {
    const outcome: IntakeOutcome = { delivered: 0, duplicates: 0, unknownAccount: 0, unknownAccounts: [] };
    const deliveries: Promise<void>[] = [];
    for (const [accountId, group] of groupByAccount(events)) {
      deliveries.push(
        (async () => {
          const keys = await deps.accountIndex.find(platform, accountId);
          if (keys.length === 0) {
            outcome.unknownAccount += group.length;
            outcome.unknownAccounts.push(accountId);
            return;
          }
          await Promise.all(
            keys.map(async (key) => {
              const { delivered, duplicates } = await batcher.submit(key, group);
              outcome.delivered += delivered;
              outcome.duplicates += duplicates;
            }),
          );
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
  };
}

interface Counts {
  delivered: number;
  duplicates: number;
}

interface Batch {
  /** The batch's distinct events, first occurrence kept. */
  events: Map<string, WebhookEvent>;
  requests: { events: WebhookEvent[]; resolve: (c: Counts) => void; reject: (err: unknown) => void }[];
}

/** Per connection: the batches waiting to start, and how many are running. */
interface Lane {
  key: ConnectionKey;
  waiting: Batch[];
  running: number;
}

class ConnectionBatcher {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly deps: WebhookIntakeDeps,
    private readonly opts: BatchingOptions,
  ) {}

  submit(key: ConnectionKey, events: WebhookEvent[]): Promise<Counts> {
    const id = `${key.userId}/${key.platform}`;
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = { key, waiting: [], running: 0 };
      this.lanes.set(id, lane);
    }
    let batch = lane.waiting.at(-1);
    if (!batch || batch.events.size + events.length > this.opts.maxEvents) {
      batch = { events: new Map(), requests: [] };
      lane.waiting.push(batch);
      // A free slot: start after the window (more requests may join); otherwise when a running batch ends.
      if (lane.running < this.opts.maxInFlight) {
        const start = () => this.pump(id, lane!);
        if (this.opts.windowMs > 0) setTimeout(start, this.opts.windowMs);
        else queueMicrotask(start);
      }
    }
    for (const e of events) if (!batch.events.has(e.eventId)) batch.events.set(e.eventId, e);
    return new Promise<Counts>((resolve, reject) => batch.requests.push({ events, resolve, reject }));
  }

  private pump(id: string, lane: Lane): void {
    while (lane.running < this.opts.maxInFlight && lane.waiting.length > 0) {
      const batch = lane.waiting.shift()!;
      lane.running++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        lane.running--;
        this.pump(id, lane);
      };
      void this.run(lane.key, batch, release).finally(release);
    }
    if (lane.running === 0 && lane.waiting.length === 0 && this.lanes.get(id) === lane) this.lanes.delete(id);
  }

  /** `signalled` frees the lane's slot once Temporal has the events: the next batch need not wait for the record. */
  private async run(key: ConnectionKey, batch: Batch, signalled: () => void): Promise<void> {
    const { dedupe, syncService } = this.deps;
    try {
      const already = await dedupe.seen(key, [...batch.events.keys()]);
      const fresh = [...batch.events.values()].filter((e) => !already.has(e.eventId));
      if (fresh.length > 0) {
        await syncService.deliverWebhookEvents(key, fresh);
        signalled();
        await dedupe.remember(
          key,
          fresh.map((e) => e.eventId),
        );
      }
      // Each event counts as delivered for the first request that carried it; a repeat in a later request of the
      // same batch (a redelivery racing the original) counts as a duplicate, like one remembered before.
      const counted = new Set<string>();
      for (const request of batch.requests) {
        const counts: Counts = { delivered: 0, duplicates: 0 };
        for (const e of request.events) {
          if (already.has(e.eventId) || counted.has(e.eventId)) counts.duplicates++;
          else {
            counted.add(e.eventId);
            counts.delivered++;
          }
        }
        request.resolve(counts);
      }
    } catch (err) {
      for (const request of batch.requests) request.reject(err);
    }
  }
}
