/** The HTTP service: `createApp(deps)`, `serve(...)` with graceful shutdown, readiness probes and shared metrics. */
export { createApp } from './app';
export type { AppDeps, AppLimits, DrainState, IdTokenVerifier, ReadinessCheck } from './deps';
export { DEFAULT_LIMITS } from './deps';
export { firebaseIdTokenVerifier } from './auth';
export { socialsyncMetrics, type SocialsyncMetrics } from '../shared/metrics';
export { firestoreReadiness, temporalReadiness } from './readiness';
export { serve, type HttpService, type ServeOptions } from './server';
