/** The dashboard web page (server-rendered HTML under `/ui`), mounted next to the HTTP service's app. */
export { dashboardRouter, type ConnectStarter, type DashboardDeps } from './router';
export { firestoreTopItems, type StoredItemView, type TopItemsReader } from './top-items';
export { SESSION_COOKIE } from './session';
