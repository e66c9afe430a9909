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

export interface Derivative {
  kind: string;
  contentType: string;
  extension: string;
  size: number;
  width: number | null;
  height: number | null;
  publicUrl: string | null;
  createdAtUtc: string;
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
}

export interface StructuredResult {
  kind: string;
  payloadJson: string;
  createdAtUtc: string;
}

export interface ExecutionStep {
  stepName: string;
  succeeded: boolean;
  errorMessage: string | null;
  startedAtUtc: string;
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
