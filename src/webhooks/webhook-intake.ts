/**
 * Hands verified webhook events to the sync engine: each event's platform account is mapped to the connections
 * that use it (AccountIndex), events already handed over are dropped (platforms redeliver for 36-72 h), and the
 * rest go to `syncService.deliverWebhookEvents`. Events are remembered as delivered only after Temporal accepted
 * them, so a failure means "answer 5xx, the platform retries", never "lost".
 *
 * Concurrent deliveries for one connection are coalesced (`ConnectionBatcher`): the first opens a batch, which
 * starts at a tick at least `windowMs / 2` later (ticks are shared by all connections: one tick starts the due batches
 * of every connection, so their dedupe reads share one round trip); whatever arrives for that connection while it
 * runs joins the next batch. A batch costs
 * one dedupe read (`getAll`), one `deliverWebhookEvents` (one `signalWithStart` with all its events) and one batched
 * dedupe write, whatever the number of requests in it. Each request is answered only after the batch carrying its
 * events completed; if any step fails, every request of that batch fails (5xx) and nothing of it is remembered.
 *
 * Before any of that, the intake drops (and logs) events that must never reach the engine (issue 14):
 * - an item id that is not a valid Firestore document id (finding 2): it would fail every later sync of the
 *   connection when the workflow writes or deletes that item;
 * - a deletion or revocation older than the dedupe window (finding 11): a captured, correctly signed delivery
 *   replayed after its dedupe record expired would otherwise act again. Instagram signatures carry no timestamp,
 *   so the event's own (signed) time is what dates it.
 * A batch whose events would make a signal larger than `maxSignalBytes` goes as several signals (finding 11: one
 * huge Meta batch in one signal exceeds Temporal's payload limit and is refused on every redelivery).
 */
import type { PlatformId, WebhookEvent } from '../platforms/types';
import type { Logger } from '../shared/logger';
import type { AccountIndex } from '../store/types';
import type { SyncService } from '../sync/service';
import type { WebhookDedupe } from '../store';
import type { ConnectionKey } from '../domain';
import { isValidDocumentId } from '../store/paths';
import { DEFAULT_DEDUPE_TTL_MS } from '../store/webhook-dedupe';

export interface WebhookIntakeDeps {
  accountIndex: AccountIndex;
  dedupe: WebhookDedupe;
  syncService: SyncService;
  logger: Logger;
  /** Epoch ms (default `Date.now`): dates deletions and revocations against the replay window. */
  now?: () => number;
  /** Deletions and revocations older than this are ignored (default: the dedupe records' lifetime, 7 days). */
  replayWindowMs?: number;
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
  /**
   * Largest JSON size of the events of one signal. Temporal refuses payloads over 2 MB (and warns from 256 KB);
   * a batch above this goes as several signals, in order.
   */
  maxSignalBytes: number;
}

export const DEFAULT_BATCHING: BatchingOptions = {
  windowMs: 10,
  maxEvents: 500,
  maxInFlight: 1,
  maxSignalBytes: 200 * 1024,
};

/** Event types that act destructively; a replay of an old one must not act again. */
const DESTRUCTIVE = new Set<WebhookEvent['type']>(['item_deleted', 'authorization_revoked']);

export interface DroppedEvents {
  invalidItemId: number;
  stale: number;
}

/** The events the engine may see (see the module comment), and what was dropped. */
export function screenEvents(
  events: WebhookEvent[],
  opts: { now: number; replayWindowMs: number },
): { accepted: WebhookEvent[]; dropped: DroppedEvents } {
  const dropped: DroppedEvents = { invalidItemId: 0, stale: 0 };
  const accepted = events.filter((e) => {
    if (e.itemId !== undefined && !isValidDocumentId(e.itemId)) {
      dropped.invalidItemId++;
      return false;
    }
    const at = Date.parse(e.occurredAt);
    if (DESTRUCTIVE.has(e.type) && Number.isFinite(at) && opts.now - at > opts.replayWindowMs) {
      dropped.stale++;
      return false;
    }
    return true;
  });
  return { accepted, dropped };
}

/** Splits `events` in order into chunks of at most `maxEvents` events and `maxBytes` of JSON each. */
export function chunkEvents(events: WebhookEvent[], maxEvents: number, maxBytes: number): WebhookEvent[][] {
  const chunks: WebhookEvent[][] = [];
  let current: WebhookEvent[] = [];
  let bytes = 2;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (current.length > 0 && (current.length >= maxEvents || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
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

export type WebhookIntake = (platform: PlatformId, events: WebhookEvent[]) => Promise<IntakeOutcome>;

/** The intake of one app: its batches are shared by every request it serves. */
export function createWebhookIntake(
  deps: WebhookIntakeDeps,
  batching: Partial<BatchingOptions> = {},
): WebhookIntake {
  const batcher = new ConnectionBatcher(deps, { ...DEFAULT_BATCHING, ...batching });
  const now = deps.now ?? Date.now;
  const replayWindowMs = deps.replayWindowMs ?? DEFAULT_DEDUPE_TTL_MS;
  return async (platform, received) => {
    const outcome: IntakeOutcome = { delivered: 0, duplicates: 0, unknownAccount: 0, unknownAccounts: [] };
    const { accepted: events, dropped } = screenEvents(received, { now: now(), replayWindowMs });
    if (dropped.invalidItemId > 0) {
      deps.logger.warn(
        { platform, events: dropped.invalidItemId },
        'webhook events with an item id that cannot be a document id dropped',
      );
    }
    if (dropped.stale > 0) {
      deps.logger.warn(
        { platform, events: dropped.stale, replayWindowMs },
        'deletions or revocations older than the replay window ignored',
      );
    }
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
  /** When its first request came (Date.now): it starts at a tick at least `windowMs / 2` later. */
  openedAt: number;
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
  /** The next tick, when one is due: it starts every lane's waiting batch that has a free slot. */
  private tick: NodeJS.Timeout | undefined;
  private tickQueued = false;

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
      batch = { openedAt: Date.now(), events: new Map(), requests: [] };
      lane.waiting.push(batch);
      // Starts at a tick with a free slot, once it has gathered for a while (more requests may join meanwhile).
      if (lane.running < this.opts.maxInFlight) this.arm();
    }
    for (const e of events) if (!batch.events.has(e.eventId)) batch.events.set(e.eventId, e);
    return new Promise<Counts>((resolve, reject) => batch.requests.push({ events, resolve, reject }));
  }

  /**
   * Batches start on ticks shared by every connection (issue 13), every `windowMs` while any batch waits: the
   * batches of all connections that are due read their dedupe records in one Firestore round trip and are signalled
   * together, instead of each paying its own round trips at its own moment (a round trip costs the emulator about
   * 5 ms of CPU and the client about 2.5 ms, whatever it carries). A batch is due at the first tick at least
   * `windowMs / 2` after it opened, so it gathers for `windowMs / 2` to `1.5 × windowMs` (`windowMs` on average, as
   * when each batch had its own timer), and deliveries that arrive together start together; a lane whose batch
   * ends waits for the next tick too.
   */
  private arm(): void {
    if (this.opts.windowMs <= 0) {
      if (this.tickQueued) return;
      this.tickQueued = true;
      queueMicrotask(() => {
        this.tickQueued = false;
        this.startDue();
      });
      return;
    }
    this.tick ??= setTimeout(() => {
      this.tick = undefined;
      this.startDue();
    }, this.opts.windowMs);
  }

  private startDue(): void {
    const due = Date.now() - this.opts.windowMs / 2;
    let later = false;
    for (const [id, lane] of this.lanes) {
      if (lane.waiting.length === 0) continue;
      if (lane.waiting[0]!.openedAt <= due || this.opts.windowMs <= 0) this.pump(id, lane);
      else if (lane.running < this.opts.maxInFlight) later = true;
    }
    if (later) this.arm();
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
        if (lane.waiting.length > 0) this.arm();
        else if (lane.running === 0 && this.lanes.get(id) === lane) this.lanes.delete(id);
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
        const chunks = chunkEvents(fresh, this.opts.maxEvents, this.opts.maxSignalBytes);
        // In order, each remembered once Temporal has it: a failure part-way makes the platform redeliver, and the
        // chunks that did land are then duplicates.
        for (const [i, chunk] of chunks.entries()) {
          await syncService.deliverWebhookEvents(key, chunk);
          if (i === chunks.length - 1) signalled();
          await dedupe.remember(
            key,
            chunk.map((e) => e.eventId),
          );
        }
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
