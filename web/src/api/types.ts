// Wire types of the NekoHub REST API (/api/v1). Field names are exactly the JSON names.

export type Role = 'superAdmin' | 'admin' | 'user';

export interface User {
  id: string;
  username: string;
  role: Role;
  isActive: boolean;
  createdAtUtc: string;
  updatedAtUtc: string;
  lastLoginAtUtc: string | null;
  permissions: string[];
}

export interface AuthResult {
  accessToken: string;
  refreshToken: string | null;
  accessTokenExpiresAtUtc: string;
  refreshTokenExpiresAtUtc?: string | null;
  user: User;
}

export interface Bootstrap {
  apiKeyRequired: boolean;
  maxUploadSizeBytes: number;
  allowedContentTypes: string[];
  /** The hub's public base URL, when the server announces one (not yet: the page's origin is used). */
  publicBaseUrl?: string | null;
}

export interface Paged<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  permissions: string[];
  createdAtUtc: string;
  lastUsedAtUtc: string | null;
  expiresAtUtc: string | null;
}

export interface CreatedApiKey extends ApiKey {
  key: string;
}

export type ActorType = 'user' | 'apiKey' | 'personalApiKey' | 'system' | 'anonymous';

export interface AuditEntry {
  id: string;
  occurredAtUtc: string;
  actorType: ActorType;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetName: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
}

export type AssetStatus = 'pending' | 'ready' | 'deleted' | 'failed';

/** `thumbnail_256` (PNG, fits 256×256) and `preview_1024` (WebP, fits 1024×1024) today. */
export type DerivativeKind = 'thumbnail_256' | 'preview_1024' | (string & {});

export interface Derivative {
  kind: DerivativeKind;
  contentType: string;
  extension: string;
  size: number;
  width: number | null;
  height: number | null;
  /** Null while the asset is private (then read `contentUrl` with the bearer token). */
  publicUrl: string | null;
  /** `/api/v1/assets/{id}/derivatives/{kind}/content` (assets.read; private assets too). Admin views only. */
  contentUrl?: string | null;
  createdAtUtc: string;
}

export type ProcessingState = 'idle' | 'queued' | 'running' | 'failed';

/** The asset's background processing (jobs), beside `status`, which keeps the original's values. */
export interface Processing {
  state: ProcessingState;
  pendingJobs: number;
  lastError: string | null;
}

export interface AssetListItem {
  id: string;
  type: string;
  status: AssetStatus;
  originalFileName: string | null;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  storageProvider: string;
  storageProviderProfileId: string | null;
  publicUrl: string | null;
  isPublic: boolean;
  createdAtUtc: string;
  updatedAtUtc: string;
  /** The uploading user (null for machine keys and assets uploaded before this was recorded). */
  createdByUserId?: string | null;
  /** Their name; "api-key:<id>" for a machine key; null when not recorded. */
  createdByUsername?: string | null;
  derivatives?: Derivative[];
  processing?: Processing | null;
  /** The asset's tags (from the caption step or set by hand); [] when none. */
  tags?: string[] | null;
}

export interface StructuredResult {
  kind: string;
  payloadJson: string;
  createdAtUtc: string;
}

export type StepStatus = 'succeeded' | 'failed' | 'skipped';

export interface ExecutionStep {
  stepName: string;
  /** Absent from servers before step outcomes; derive it from `succeeded` then. */
  status?: StepStatus;
  succeeded: boolean;
  errorMessage: string | null;
  /** Why a step was skipped (null otherwise). */
  message?: string | null;
  startedAtUtc: string | null;
  completedAtUtc: string | null;
}

export interface ExecutionSummary {
  executionId: string;
  skillName: string;
  triggerSource: string;
  startedAtUtc: string;
  completedAtUtc: string | null;
  succeeded: boolean;
  steps: ExecutionStep[];
}

export interface AssetDetail extends AssetListItem {
  storedFileName: string | null;
  extension: string;
  checksumSha256: string | null;
  storageKey: string;
  description: string | null;
  altText: string | null;
  duplicateOfAssetId?: string | null;
  derivatives: Derivative[];
  structuredResults: StructuredResult[];
  latestExecutionSummary: ExecutionSummary | null;
}

export interface PublicAsset {
  id: string;
  type: string;
  originalFileName: string | null;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  publicUrl: string | null;
  description: string | null;
  altText: string | null;
  createdAtUtc: string;
  updatedAtUtc: string;
  extension?: string;
  derivatives?: Derivative[];
}

export interface UsageStats {
  totalAssets: number;
  totalBytes: number;
  totalDerivatives: number;
  contentTypeBreakdown: { contentType: string; count: number; totalBytes: number }[];
  mostActiveSkill: { skillName: string; runCount: number } | null;
}

export interface BatchDeleteResult {
  requestedCount: number;
  deletedCount: number;
  notFoundIds: string[];
}

export interface AssetPatch {
  originalFileName?: string | null;
  description?: string | null;
  altText?: string | null;
  isPublic?: boolean;
}

// ---- storage provider profiles (/system/storage/providers) --------------------------------------

export type ProviderType = 'local' | 's3-compatible' | 'github-repo' | 'github-releases';

export interface StorageCapabilities {
  supportsPublicRead: boolean;
  supportsPrivateRead: boolean;
  supportsVisibilityToggle: boolean;
  supportsDelete: boolean;
  supportsDirectPublicUrl: boolean;
  requiresAccessProxy: boolean;
  recommendedForPrimaryStorage: boolean;
  isPlatformBacked: boolean;
  isExperimental: boolean;
  requiresTokenForPrivateRead: boolean;
}

/** Derived only from the stored non-secret configuration; every field present (null when absent). */
export interface ConfigurationSummary {
  providerName: string | null;
  rootPath: string | null;
  endpointHost: string | null;
  bucketOrContainer: string | null;
  region: string | null;
  publicBaseUrl: string | null;
  forcePathStyle: boolean | null;
  owner: string | null;
  repository: string | null;
  reference: string | null;
  releaseTagMode: string | null;
  fixedTag: string | null;
  pathPrefix: string | null;
  visibilityPolicy: string | null;
  basePath: string | null;
  assetPathPrefix: string | null;
  apiBaseUrl: string | null;
  rawBaseUrl: string | null;
}

export interface StorageProfile {
  id: string;
  name: string;
  displayName: string | null;
  /** Canonical lower-case type; other strings are possible for rows made by hand. */
  providerType: string;
  isEnabled: boolean;
  isDefault: boolean;
  capabilities: StorageCapabilities;
  configurationSummary: ConfigurationSummary;
  /** Names of the secret fields that hold a value, e.g. ["accessKey","secretKey"]; never the values. */
  secretFieldsSet?: string[];
  /** The normalized non-secret configuration, when the server sends it. */
  configuration?: Record<string, unknown> | null;
  createdAtUtc: string;
  updatedAtUtc: string;
}

export interface StorageRuntime {
  providerType: string | null;
  providerName: string | null;
  capabilities: StorageCapabilities | null;
  isConfigurationDriven: boolean;
  matchesDefaultProfileType: boolean | null;
}

export interface StorageAlignment {
  runtimeSelectionSource: 'configuration' | 'database-default-profile' | string;
  hasDefaultProfile: boolean;
  isDefaultProfileEnabled: boolean | null;
  providerTypeMatchesDefaultProfile: boolean | null;
  code: string;
  message: string;
}

export interface StorageOverview {
  profiles: StorageProfile[];
  defaultProfile: StorageProfile | null;
  defaultWriteProfile: StorageProfile | null;
  runtime: StorageRuntime;
  alignment: StorageAlignment;
}

export interface StorageProfileCreate {
  name: string;
  displayName?: string | null;
  providerType: string;
  isEnabled?: boolean;
  isDefault?: boolean;
  configuration: Record<string, unknown>;
  secretConfiguration?: Record<string, unknown> | null;
}

/** PATCH body: absent = keep, null = clear, value = set. */
export interface StorageProfilePatch {
  name?: string;
  displayName?: string | null;
  isEnabled?: boolean;
  configuration?: Record<string, unknown>;
  secretConfiguration?: Record<string, unknown> | null;
}

export interface StorageDeleteResult {
  id: string;
  wasDefault: boolean;
  status: 'deleted' | 'disabled';
  deletedAtUtc: string;
}

export interface GithubBrowseItem {
  name: string;
  path: string;
  type: 'file' | 'dir';
  isDirectory: boolean;
  isFile: boolean;
  size?: number | null;
  sha?: string | null;
  publicUrl: string | null;
}

export interface GithubBrowseResult {
  profileId: string;
  requestedPath: string;
  recursive: boolean;
  maxDepth: number;
  type: string;
  keyword: string | null;
  total: number;
  page: number;
  pageSize: number;
  hasMore: boolean;
  visibilityPolicy: string;
  usesControlledRead: boolean;
  items: GithubBrowseItem[];
}

export interface GithubUpsertRequest {
  path: string;
  contentBase64: string;
  commitMessage?: string;
  expectedSha?: string;
}

export interface GithubUpsertResult {
  profileId: string;
  path: string;
  operation: 'created' | 'updated';
  size: number;
  sha: string;
  visibilityPolicy: string;
  usesControlledRead: boolean;
  publicUrl: string | null;
}

// ---- processing: skills, executions, jobs -----------------------------------------------------

export type SkillParameterType = 'string' | 'number' | 'integer' | 'boolean';

/** One parameter a skill takes (GET /assets/skills), enough to build its form. */
export interface SkillParameter {
  name: string;
  type: SkillParameterType;
  required: boolean;
  default: string | number | boolean | null;
  /** Allowed values (a choice), or null for free input. */
  values: (string | number)[] | null;
  minimum: number | null;
  maximum: number | null;
  /** Not sent by every server: a text limit (bytes, UTF-8). */
  maxLength?: number | null;
}

export interface Skill {
  skillName: string;
  description: string;
  steps: string[];
  parameters?: SkillParameter[];
  /** Not sent by every server; the console knows the built-in rewriting skills by name. */
  rewritesOriginal?: boolean;
}

export type ExecutionState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Execution {
  executionId: string;
  skillName: string;
  triggerSource: string;
  state: ExecutionState;
  /** Null while the execution has not finished. */
  succeeded: boolean | null;
  startedAtUtc: string | null;
  completedAtUtc: string | null;
  parametersJson: string | null;
  jobId: string | null;
  attempt: number | null;
  lastError: string | null;
  steps: ExecutionStep[];
}

/** The step of a finished manual run (POST …/skills/{name}/run → 200). */
export interface RunStep {
  name: string;
  succeeded: boolean;
  errorMessage: string | null;
  status?: StepStatus;
  message?: string | null;
}

export interface RunSkillResult {
  succeeded: boolean;
  skillName: string;
  steps: RunStep[];
  asset: AssetDetail;
  executionId: string;
  jobId: string;
}

/** A manual run: finished within the server's wait (200) or still in the queue (202). */
export type RunSkillOutcome =
  | { kind: 'finished'; result: RunSkillResult }
  | { kind: 'pending'; execution: Execution; location: string | null };

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  kind: string;
  assetId: string | null;
  state: JobState;
  triggerSource: string | null;
  skillName: string | null;
  executionId: string | null;
  attempts: number;
  maxAttempts: number;
  cancelRequested: boolean;
  lockedBy: string | null;
  lockedUntilUtc: string | null;
  runAfterUtc: string | null;
  lastError: string | null;
  createdAtUtc: string;
  updatedAtUtc: string;
  startedAtUtc: string | null;
  finishedAtUtc: string | null;
}

export type JobCounts = Record<JobState, number>;

export interface JobsPage extends Paged<Job> {
  counts: JobCounts;
}

// ---- AI provider profiles (/system/ai/providers) ---------------------------------------------

export interface AiProvider {
  id: string;
  name: string;
  apiBaseUrl: string;
  /** The mask (`sk-***`, `key-***`), never the key. */
  apiKey: string;
  modelName: string;
  /** Null: the built-in standard prompt. */
  defaultSystemPrompt: string | null;
  isActive: boolean;
  createdAtUtc: string;
  updatedAtUtc: string;
}

export interface AiProviderCreate {
  name: string;
  apiBaseUrl: string;
  apiKey: string;
  modelName: string;
  defaultSystemPrompt?: string | null;
  isActive?: boolean;
}

/** Tri-state PATCH: an absent member is unchanged; `defaultSystemPrompt: null` resets it. */
export type AiProviderPatch = Partial<AiProviderCreate>;

export interface AiProviderTestRequest {
  profileId?: string;
  apiBaseUrl?: string;
  apiKey?: string;
  modelName?: string;
  defaultSystemPrompt?: string | null;
}

export interface AiProviderTestResult {
  succeeded: boolean;
  caption: string | null;
  altText?: string | null;
  tags?: string[] | null;
  resolvedModelName: string | null;
  resolvedApiBaseUrl: string | null;
  errorMessage: string | null;
  errorCode?: string | null;
  durationMs?: number | null;
}

export interface AiProviderDeleteResult {
  id: string;
  wasActive: boolean;
  status: 'deleted';
  deletedAtUtc: string;
}

// ---- workflow profiles (/system/workflows) ---------------------------------------------------

export interface Workflow {
  id: string;
  name: string;
  description: string | null;
  isAutoRun: boolean;
  /** The graph as stored (the original editor's format), text. */
  graphJson: string;
  createdAtUtc: string;
  updatedAtUtc: string;
}

export interface WorkflowSave {
  name: string;
  description?: string | null;
  isAutoRun?: boolean;
  graphJson: string;
}

/** POST /assets/{id}/workflows/{wid}/run → 202. */
export interface WorkflowRunResult {
  assetId: string;
  workflowId: string;
  skillIds: string[];
  jobId?: string | null;
}
