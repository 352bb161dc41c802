/**
 * Links into the Temporal Web UI for a connection. Routes as the UI (2.x) defines them in
 * src/lib/utilities/route-for.ts of temporalio/ui: the workflow list `/namespaces/{ns}/workflows?query={filter}`
 * (the filter is a visibility query, URI-encoded) and a schedule `/namespaces/{ns}/schedules/{scheduleId}`.
 * Checked in Chromium against the UI 2.42.1 of the pinned Temporal CLI: `?query=UserId%3D%22demo%22` lists only
 * demo's runs, and `/schedules/sync%3Ademo%3Atwitter` opens that schedule.
 */
import type { ConnectionKey } from '../../domain';
import { scheduleId } from '../../workflows/definitions';
import { visibilityLiteral } from './sync-history';

export interface TemporalUiSettings {
  /** The UI's base URL (e.g. the dev server's `http://127.0.0.1:8233`); without it no links are drawn. */
  url: string;
  namespace: string;
}

export interface TemporalUiLinks {
  /** Every run of the user (connection workflows and syncs): `UserId = "{id}"`. */
  userRuns: string;
  /** This connection's runs. */
  connectionRuns: string;
  /** This connection's failed runs (the connection workflow keeps successful syncs only). */
  failedRuns: string;
  schedule: string;
}

export function temporalUiLinks(ui: TemporalUiSettings, key: ConnectionKey): TemporalUiLinks | undefined {
  const user = visibilityLiteral(key.userId);
  if (!user) return undefined;
  const base = `${ui.url.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}`;
  const list = (query: string) => `${base}/workflows?query=${encodeURIComponent(query)}`;
  const connection = `UserId=${user} AND Platform="${key.platform}"`;
  return {
    userRuns: list(`UserId=${user}`),
    connectionRuns: list(connection),
    failedRuns: list(`${connection} AND ExecutionStatus="Failed"`),
    schedule: `${base}/schedules/${encodeURIComponent(scheduleId(key))}`,
  };
}
