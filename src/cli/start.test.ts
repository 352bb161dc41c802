import { resolveRole, UsageError } from './start';

describe('resolveRole: --role, then SOCIALSYNC_ROLE, then all', () => {
  test('the flag in either spelling', () => {
    expect(resolveRole(['--role', 'worker'], {})).toBe('worker');
    expect(resolveRole(['--role=service'], { SOCIALSYNC_ROLE: 'worker' })).toBe('service');
  });

  test('the variable when no flag is given, all when neither is', () => {
    expect(resolveRole([], { SOCIALSYNC_ROLE: ' worker ' })).toBe('worker');
    expect(resolveRole([], {})).toBe('all');
    expect(resolveRole([], { SOCIALSYNC_ROLE: '' })).toBe('all');
  });

  test('an unknown or missing role is a usage error naming the choices', () => {
    expect(() => resolveRole(['--role', 'workers'], {})).toThrow(
      new UsageError('unknown role "workers" (expected all, service, worker)'),
    );
    expect(() => resolveRole(['--role'], {})).toThrow(UsageError);
    expect(() => resolveRole([], { SOCIALSYNC_ROLE: 'api' })).toThrow(/unknown role "api"/);
  });
});
