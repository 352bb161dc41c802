/** The dashboard web page (server-rendered HTML under `/ui`), mounted next to the HTTP service's app. */
export { dashboardRouter, type ConnectStarter, type DashboardDeps } from './router';
export { firestoreTopItems, type StoredItemView, type TopItemsReader } from './top-items';
export { firestoreDashboardReader, type DashboardReader } from './dashboard-reader';
export { temporalSyncHistory, type SyncHistoryReader } from './sync-history';
export type { TemporalUiSettings } from './temporal-ui';
export { SESSION_COOKIE } from './session';
