/** The shape comparison the conformance tests rely on can fail, and says where. */
import { shapeDiff } from './support';

describe('shapeDiff', () => {
  const documented = {
    data: [{ id: 'a', n: 1, nested: { ok: true } }],
    meta: { next: 'x' },
  };

  it('accepts another answer of the same shape (values differ, several elements)', () => {
    const answer = {
      data: [
        { id: 'b', n: 2, nested: { ok: false } },
        { id: 'c', n: 3, nested: { ok: true } },
      ],
      meta: { next: 'y' },
    };
    expect(shapeDiff(documented, answer)).toEqual([]);
  });

  it('names missing and undocumented keys, type changes and the element that differs', () => {
    const answer = {
      data: [
        { id: 'b', n: 2, nested: { ok: true } },
        { id: 7, nested: { ok: true, extra: 1 } },
      ],
      meta: null,
    };
    expect(shapeDiff(documented, answer)).toEqual([
      'data[1].id: documented string, sandbox number',
      'data[1].n: documented, missing from the sandbox',
      'data[1].nested.extra: sent by the sandbox, not documented',
      'meta: documented object, sandbox null',
    ]);
  });

  it('an empty array compares nothing, so it must be declared possible', () => {
    expect(shapeDiff(documented, { data: [], meta: { next: 'x' } })).toEqual([
      'data: documented with elements, sandbox sent an empty array',
    ]);
    expect(shapeDiff(documented, { data: [], meta: { next: 'x' } }, { optional: ['data[]'] })).toEqual([]);
  });

  it('optional paths may be absent on either side but are compared when present', () => {
    expect(shapeDiff(documented, { data: [], meta: {} }, { optional: ['data[]', 'meta.next'] })).toEqual([]);
    expect(
      shapeDiff(documented, { data: [], meta: { next: 1 } }, { optional: ['data[]', 'meta.next'] }),
    ).toEqual(['meta.next: documented string, sandbox number']);
  });
});
