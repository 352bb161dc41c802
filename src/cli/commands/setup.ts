/**
 * `setup temporal`: registers the search attributes every sync workflow carries (`UserId`, `Platform`, `SyncMode`,
 * all Keyword — docs/contract.md → Temporal) on the configured namespace through the operator service. Idempotent:
 * attributes already present are reported and left alone; one present with another type stops the command before
 * anything is added. Temporal Cloud may refuse the operator call; the error then says how to add them with `tcld`
 * or the Cloud UI (docs/deploy.md).
 */
import { isGrpcServiceError } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { PlatformAttribute, SyncModeAttribute, UserIdAttribute } from '../../workflows/definitions';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../context';
import { formatTable } from '../table';

/** The attributes socialsync's workflows set, with the type they need. */
export const SOCIALSYNC_SEARCH_ATTRIBUTES = [UserIdAttribute, PlatformAttribute, SyncModeAttribute];

/** gRPC status codes that mean "not allowed here" rather than "broken". */
const REFUSED = new Map([
  [7, 'PERMISSION_DENIED'],
  [12, 'UNIMPLEMENTED'],
  [16, 'UNAUTHENTICATED'],
]);
const NOT_FOUND = 5;

/** `KEYWORD` → `Keyword`, the spelling of the Temporal CLI, tcld and the UI. */
const display = (type: string) => type.charAt(0) + type.slice(1).toLowerCase().replace('_list', 'List');

const typeByCode = new Map(
  Object.values(SearchAttributeType).map((t) => [encodeSearchAttributeIndexedValueType(t) as number, t]),
);

function howToAddElsewhere(namespace: string): string {
  const flags = SOCIALSYNC_SEARCH_ATTRIBUTES.map((a) => `--sa "${a.name}=${display(a.type)}"`).join(' ');
  return (
    `On Temporal Cloud add them with tcld (tcld namespace search-attributes add -n ${namespace} ${flags}) or in ` +
    'the Cloud UI (Namespaces → the namespace → Custom Search Attributes); on a self-hosted cluster run this ' +
    'command with a client allowed to call the operator service, or `temporal operator search-attribute create`.'
  );
}

export interface SetupRow {
  name: string;
  type: string;
  action: 'added' | 'present';
}

export async function setupTemporalCommand(ctx: CliContext): Promise<void> {
  const target = ctx.temporalTarget();
  const { namespace } = target;
  const client = await ctx.temporal();
  const operator = client.connection.operatorService;

  const refusedOrRethrow = (err: unknown, what: string): never => {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND)
      throw new CliError(`namespace "${namespace}" does not exist at ${target.address}`, EXIT.failed);
    if (isGrpcServiceError(err) && REFUSED.has(err.code))
      throw new CliError(
        `Temporal refused to ${what} (${REFUSED.get(err.code)}: ${err.details ?? err.message}). ${howToAddElsewhere(namespace)}`,
        EXIT.failed,
      );
    throw new CliError(`could not ${what}: ${(err as Error).message}`, EXIT.failed);
  };

  const list = async () => {
    try {
      const { customAttributes } = await operator.listSearchAttributes({ namespace });
      return new Map(Object.entries(customAttributes ?? {}).map(([name, code]) => [name, Number(code)]));
    } catch (err) {
      return refusedOrRethrow(err, 'list the search attributes');
    }
  };

  const existing = await list();
  const conflicts = SOCIALSYNC_SEARCH_ATTRIBUTES.filter(
    (a) => existing.has(a.name) && existing.get(a.name) !== encodeSearchAttributeIndexedValueType(a.type),
  );
  if (conflicts.length > 0) {
    // Changing nothing: a half-registered set would make the workflows fail at their first start.
    const found = conflicts.map(
      (a) =>
        `${a.name} is ${display(typeByCode.get(existing.get(a.name)!) ?? 'an unknown type')}, needs ${display(a.type)}`,
    );
    throw new CliError(
      `namespace "${namespace}" already has search attributes of another type: ${found.join('; ')}. Nothing was ` +
        'added; remove or rename those attributes first.',
      EXIT.failed,
    );
  }
  const missing = SOCIALSYNC_SEARCH_ATTRIBUTES.filter((a) => !existing.has(a.name));
  if (missing.length > 0) {
    try {
      await operator.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((a) => [a.name, encodeSearchAttributeIndexedValueType(a.type)!]),
        ),
      });
    } catch (err) {
      refusedOrRethrow(err, 'add the search attributes');
    }
    // Confirm from the server rather than trusting the call: what is printed is what the namespace now has.
    const after = await list();
    const absent = missing.filter((a) => !after.has(a.name));
    if (absent.length > 0)
      throw new CliError(
        `Temporal accepted the request but does not list ${absent.map((a) => a.name).join(', ')} yet; run the command again`,
        EXIT.failed,
      );
  }

  const rows: SetupRow[] = SOCIALSYNC_SEARCH_ATTRIBUTES.map((a) => ({
    name: a.name,
    type: display(a.type),
    action: missing.includes(a) ? 'added' : 'present',
  }));
  if (ctx.json)
    return ctx.out(JSON.stringify({ address: target.address, namespace, searchAttributes: rows }));
  ctx.out(`Temporal ${target.description}`);
  ctx.out(
    formatTable(
      ['SEARCH ATTRIBUTE', 'TYPE', 'RESULT'],
      rows.map((r) => [r.name, r.type, r.action === 'added' ? 'added' : 'already present']),
    ),
  );
  ctx.out(
    missing.length === 0
      ? `Nothing to do: namespace "${namespace}" already has every search attribute socialsync uses.`
      : `Added ${missing.length} search attribute(s) to namespace "${namespace}".`,
  );
}
