/**
 * Ids of Temporal patches (`patched(id)`): each marks a command added to a workflow after runs of it had started,
 * so that a run whose history predates the change replays without it (docs/sync-engine.md, "Changing workflow
 * code"). Remove an id (with its `patched` call) once no run from before it can be open any more.
 */

/**
 * The connection workflow writes `syncing` before each sync and `active` after it; before this patch the sync
 * workflow's `syncStarted` and `finishSync` activities did.
 */
export const STATUS_WRITER_PATCH = 'connection-writes-sync-status';

/**
 * Webhook events start a sync at once on an idle connection (leading edge, follow-up coalesced); before this patch
 * they waited for 10 s of quiet (LEGACY_WEBHOOK_OPTIONS).
 */
export const WEBHOOK_LEADING_EDGE_PATCH = 'webhook-leading-edge';

/**
 * A sync fetches the account and walks every item kind at once, and each walk reads several pages per activity
 * (`syncItemsPages`, resumable from its heartbeat checkpoint); before this patch they ran one after another, one
 * `syncItemsPage` activity per page.
 */
export const CONCURRENT_WALKS_PATCH = 'sync-concurrent-batched-walks';

/**
 * Incremental syncs of pay-per-use platforms (X) read only new items (`since_id`) and refresh stored ones by id
 * (`refreshPlan`, then `refreshItemsByIds` batches); before this patch they re-walked the 30-day window.
 */
export const REFRESH_BY_IDS_PATCH = 'refresh-by-ids';

/**
 * A reconnect cancels the sync that is running (it began with the tokens the reconnect replaced, and may be retrying
 * for want of valid ones), so the sync the reconnect requests starts at once; before this patch the request waited
 * for that sync to end.
 */
export const RECONNECT_SUPERSEDES_SYNC_PATCH = 'reconnect-supersedes-sync';

/**
 * The bookkeeping activities (Firestore and schedule steps: limits, token expiry, status, checkpoints, deletion
 * marking, finishing) run as local activities in the workflow's own worker: a marker in history instead of a task
 * dispatched through the server, and no workflow task between each. Before this patch they were activities on the
 * workflow task queue.
 */
export const LOCAL_BOOKKEEPING_PATCH = 'local-bookkeeping';
