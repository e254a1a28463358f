export { TokenStore } from './tokenStore';
export { startLink, type TokenStoreOptions } from './startLink';
export { childSpec, type ChildSpec, type TokenStoreChildSpec } from './childSpec';
export { startSupervisor, DEFAULT_SUPERVISOR_NAME, type SupervisorOptions } from './supervisor/startSupervisor';
export {
  Supervisor,
  type SupervisorActorRef,
  type SupervisorExit,
  type ChildCounts,
  type ChildControlResult,
} from './supervisor/supervisor';
export { whereis, DEFAULT_NAME } from './registry';
export {
  TokenStoreHandle,
  type LookupResult,
  type DeleteResult,
  type ConsumeResult,
  type CallOptions,
} from './tokenStoreHandle';
export type { TokenStoreActorRef } from './storeBinding';
export { encodeToken, decodeToken, tryDecodeToken, type Token } from './token';
export { SecretToken } from './lib/secretToken';
export { SealedToken } from './lib/sealedToken';
export { REDACTED } from './lib/redaction';
export { sanitizeContext, sanitizeEvent, breakGlassSanitizers, type InspectorSanitizers } from './inspection/sanitizers';
export { redactValue, UNREADABLE } from './inspection/redactValue';
export {
  redactInspectionEvent,
  redactedInspector,
  type RedactedInspectionEvent,
} from './inspection/redactedInspection';
export {
  sanitizeInspectionEvent,
  sanitizedInspect,
  type InspectOption,
  type SanitizedSnapshot,
} from './inspection/sanitizedInspect';
export { TOKEN_LENGTH } from './lib/bytes';
export { cryptoRandomSource, type RandomSource } from './lib/entropy';
export type { AuditEvent, AuditEventType, AuditHandler, FacadeAuditEvent, Unsubscribe } from './audit';
export { openControlSocket, type ControlSocket, type ControlSocketOptions } from './control/server';
export { sendControlRequest, type ControlClientOptions } from './control/client';
export type {
  ControlCommand,
  ControlRequest,
  ControlResponse,
  ControlFailure,
  ControlErrorCode,
  IssueResponse,
  StatusResponse,
} from './control/protocol';
export {
  BreakGlassError,
  AlreadyStartedError,
  NotRunningError,
  CallTimeoutError,
  StoreExitedError,
  MalformedTokenError,
  UnreadableEventError,
  NameConflictError,
  RestartIntensityError,
  ControlSocketError,
  ControlUnreachableError,
  ControlTimeoutError,
  ControlProtocolError,
  OwnerUnreachableError,
  ReplicaProtocolError,
  type BreakGlassErrorCode,
} from './errors';
export { serveReplicas, serveClusterReplicas, type ClusterReplicaOptions } from './cluster/serveReplicas';
export { ReplicaOwner, type ReplicaOwnerOptions } from './cluster/replicaOwner';
export { openReplica, TokenStoreReplica, type ReplicaOptions } from './cluster/replica';
export {
  clusterWorkerChannel,
  ipcChannel,
  threadWorkerChannel,
  parentPortChannel,
  type ReplicaChannel,
  type IpcEndpoint,
} from './cluster/channel';
export { tokenStoreMachine } from '../machines/tokenStore';
export { supervisorMachine } from '../machines/supervisor.machine';
export type {
  SupervisorStrategy,
  RestartType,
  SupervisedChildSpec,
  SupervisorInput,
  SupervisorControlEvent,
  TerminateChildEvent,
  RestartChildEvent,
  ShutdownEvent,
  ChildInfo,
} from '../machines/supervisor.protocol';
export { tokenStoreLogic } from '../machines/tokenStore.machine';
export type {
  TokenStoreEvent,
  TokenStoreReply,
  BuildEvent,
  DeleteEvent,
  ConsumeEvent,
  ClearEvent,
  BuiltReply,
  DeletedReply,
  ConsumedReply,
  ClearedReply,
  RefusalReason,
  RequestId,
  ReplyAddress,
  TokenStoreAuditEvent,
  TokenStoreContext,
  TokenStoreInput,
  TokenStoreDeps,
  ActiveRecord,
} from '../machines/protocol';
