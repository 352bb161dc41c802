/**
 * Firestore's rule for one document id, pure (no Buffer, no firebase) so the workflow bundle can use it too: the
 * connection workflow drops webhook deletions whose id could never address a document (finding 2 of issue 14).
 */

/** Longest document id Firestore accepts, in UTF-8 bytes. */
export const MAX_DOCUMENT_ID_BYTES = 1500;

/** UTF-8 length of `value` as Node's `Buffer.byteLength` counts it (a lone surrogate becomes 3 bytes). */
function utf8Bytes(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Whether Firestore can use `value` as one document id: not empty, no `/`, not `.` or `..`, not `__…__`
 * (reserved), at most 1,500 bytes. The one place this rule lives: parsers, the webhook intake, the connection
 * workflow and every path builder of src/store/paths.ts use it.
 */
export function isValidDocumentId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    !value.includes('/') &&
    value !== '.' &&
    value !== '..' &&
    !/^__.*__$/s.test(value) &&
    utf8Bytes(value) <= MAX_DOCUMENT_ID_BYTES
  );
}
