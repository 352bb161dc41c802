/**
 * Warms the Firestore emulator before anything is measured. The emulator is a Java process: its first few thousand
 * writes and queries run interpreted and cost 3-6x the CPU of the same work later (measured here: 1.5 ms of emulator
 * CPU per item write cold, 0.25 ms warm). Without this the first section of a run (issue 13's socialsync sync)
 * pays the JIT's warm-up and every later one (the plain loops) does not, which is neither fair nor what a running
 * Firestore costs. The work is the shapes a sync uses (batched item writes with merge and server timestamps, point
 * reads, transactions, range queries with an inequality), in a project of its own, so no benchmark sees its data.
 */
import { initializeApp, deleteApp } from 'firebase-admin/app';
import { FieldValue, getFirestore, Timestamp } from 'firebase-admin/firestore';

export async function warmFirestoreEmulator(opts: { rounds?: number } = {}): Promise<number> {
  const app = initializeApp({ projectId: 'bench-warm-up' }, `warm-up-${Date.now()}`);
  const started = performance.now();
  try {
    const db = getFirestore(app);
    const rounds = opts.rounds ?? 3;
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, c) => {
          const items = db.collection(`users/warm${c}/platforms/tiktok/videos`);
          for (let b = 0; b < 5; b++) {
            const batch = db.batch();
            for (let i = b * 50; i < (b + 1) * 50; i++) {
              const data = {
                id: `v${i}`,
                createdAt: Timestamp.fromMillis(1.7e12 + i * 60_000),
                text: `warm-up item ${i}`,
                metrics: { views: i * 10, likes: i, comments: i % 7, shares: i % 3 },
                updatedAt: FieldValue.serverTimestamp(),
                lastSeenSync: `round-${round}`,
                deleted: false,
                deletedAt: FieldValue.delete(),
              };
              batch.set(items.doc(`v${i}`), data, { mergeFields: Object.keys(data) });
            }
            await batch.commit();
          }
          const platform = db.doc(`users/warm${c}/platforms/tiktok`);
          await platform.get();
          await db.runTransaction(async (tx) => {
            const snap = await tx.get(platform);
            tx.set(platform, { n: ((snap.get('n') as number | undefined) ?? 0) + 1 }, { merge: true });
          });
          await items
            .where('deleted', '==', false)
            .where('createdAt', '>=', Timestamp.fromMillis(0))
            .where('createdAt', '<=', Timestamp.fromMillis(2e12))
            .where('lastSeenSync', '!=', `round-${round}`)
            .select()
            .get();
          await items.where('createdAt', '>=', Timestamp.fromMillis(0)).select('deleted').get();
        }),
      );
    }
    return performance.now() - started;
  } finally {
    await deleteApp(app);
  }
}
