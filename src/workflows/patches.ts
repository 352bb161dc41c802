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
