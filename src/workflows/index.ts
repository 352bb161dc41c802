/** Every workflow the workers run; bundled once by `bundleWorkflowCode`. */
export { selfCheckWorkflow } from './self-check';
