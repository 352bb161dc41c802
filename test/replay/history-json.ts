/**
 * History ⇄ the JSON format of Temporal's tools (`temporal workflow show --output json`, the UI's download).
 * `historyToJSON`/`historyFromJSON` of @temporalio/common do the same, but they load their own copy of protobufjs:
 * when npm installs two copies (as here, beside the protobufjs 7 of firebase-admin) they fail with "type must be
 * a Type". This module takes the protojson extension of the copy that @temporalio/proto itself is built on.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
const protojson = createRequire(path.join(protoDir, 'package.json'))('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJSON(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

export function historyFromJSON(json: unknown): History {
  // Unknown fields (a newer server's) are ignored, as the SDK's own reader does.
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
