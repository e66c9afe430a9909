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
