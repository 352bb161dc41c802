/**
 * The vocabulary of socialsync: plain types and constants, no zod, no I/O, no imports from other layers. Every
 * layer may import it; it imports nothing.
 */
export * from './connection';
export * from './document-id';
export * from './failures';
export * from './platforms';
