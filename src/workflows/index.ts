/** Every workflow of socialsync: the worker bundle is built from this file. */
export { connectionWorkflow } from './connection';
export { syncWorkflow } from './sync';
export { scheduledSyncWorkflow } from './scheduled';
export { selfCheckWorkflow } from './self-check';
