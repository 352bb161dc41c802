/**
 * An in-memory OAuthStateStore for unit tests of the connect flow (pure logic, no Firestore): states are
 * `state-1`, `state-2`…, single use, and `pending` exposes what was stored so tests can read the verifier or binding.
 */
import type { CreateOAuthStateRequest, OAuthStateStore } from '../../src/store';

export function memoryOAuthStates(): OAuthStateStore & { pending: Map<string, CreateOAuthStateRequest> } {
  const pending = new Map<string, CreateOAuthStateRequest>();
  return {
    pending,
    create: async (request) => {
      const state = `state-${pending.size + 1}`;
      pending.set(state, request);
      return state;
    },
    consume: async (state) => {
      const found = pending.get(state);
      pending.delete(state);
      return found && { ...found, createdAt: new Date() };
    },
  };
}
