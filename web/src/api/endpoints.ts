// Typed calls of the REST API used by the console and gallery.

import { api, type ApiClient, type StatusResult } from './client';
import type {
  AiProvider,
  AiProviderCreate,
  AiProviderDeleteResult,
  AiProviderPatch,
  AiProviderTestRequest,
  AiProviderTestResult,
  ApiKey,
  AssetDetail,
  AssetListItem,
  AssetPatch,
  AuditEntry,
  BatchDeleteResult,
  Bootstrap,
  CreatedApiKey,
  Execution,
  Job,
  JobsPage,
  JobState,
  GithubBrowseResult,
  GithubUpsertRequest,
  GithubUpsertResult,
  Paged,
  PublicAsset,
  Role,
  RunSkillOutcome,
  RunSkillResult,
  Skill,
  StorageDeleteResult,
  StorageOverview,
  StorageProfile,
  StorageProfileCreate,
  StorageProfilePatch,
  UsageStats,
  User,
  Workflow,
  WorkflowRunResult,
  WorkflowSave,
} from './types';

const id = (v: string) => encodeURIComponent(v);
const STORAGE = '/system/storage/providers';
const AI = '/system/ai/providers';
const WORKFLOWS = '/system/workflows';
/** The AI test waits for the model (the server's deadline is 60 s by default, up to 600 s). */
export const AI_TEST_TIMEOUT_MS = 90_000;

export function endpoints(c: ApiClient) {
  return {
    bootstrap: () => c.request<Bootstrap>('/system/bootstrap', { auth: false }),

    // account
    me: () => c.get<User>('/auth/me'),
    changePassword: (currentPassword: string, newPassword: string) =>
      c.request<void>('/auth/change-password', { method: 'POST', body: { currentPassword, newPassword }, expect: 'none' }),
    listApiKeys: () => c.get<ApiKey[]>('/auth/api-keys'),
    createApiKey: (body: { name: string; permissions: string[]; expiresAtUtc: string | null }) =>
      c.post<CreatedApiKey>('/auth/api-keys', body),
    revokeApiKey: (keyId: string) => c.request<void>(`/auth/api-keys/${id(keyId)}`, { method: 'DELETE', expect: 'none' }),

    // users
    listUsers: () => c.get<User[]>('/users'),
    createUser: (body: { username: string; password: string; role: Role; isActive: boolean; permissions?: string[] }) =>
      c.post<User>('/users', body),
    updateUser: (userId: string, body: { username?: string; role?: Role }) => c.patch<User>(`/users/${id(userId)}`, body),
    setUserStatus: (userId: string, isActive: boolean) => c.post<User>(`/users/${id(userId)}/status`, { isActive }),
    resetPassword: (userId: string, newPassword: string) =>
      c.request<void>(`/users/${id(userId)}/reset-password`, { method: 'POST', body: { newPassword }, expect: 'none' }),
    setPermissions: (userId: string, permissions: string[]) =>
      c.patch<User>(`/users/${id(userId)}/permissions`, { permissions }),

    // audit
    auditLog: (query: Record<string, string | number | undefined>, signal?: AbortSignal) =>
      c.get<Paged<AuditEntry>>('/audit-log', query, signal),

    // assets
    listAssets: (query: Record<string, string | number | boolean | undefined>, signal?: AbortSignal) =>
      c.get<Paged<AssetListItem>>('/assets', query, signal),
    usageStats: () => c.get<UsageStats>('/assets/usage-stats'),
    getAsset: (assetId: string, signal?: AbortSignal) => c.get<AssetDetail>(`/assets/${id(assetId)}`, undefined, signal),
    patchAsset: (assetId: string, patch: AssetPatch) => c.patch<AssetDetail>(`/assets/${id(assetId)}`, patch),
    deleteAsset: (assetId: string) => c.del<{ id: string; status: string; deletedAtUtc: string }>(`/assets/${id(assetId)}`),
    batchDelete: (ids: string[]) => c.post<BatchDeleteResult>('/assets/batch-delete', ids),
    assetContent: (assetId: string) =>
      c.request<Blob>(`/assets/${id(assetId)}/content`, { expect: 'blob', timeoutMs: 120_000 }),

    // processing: skills, manual runs, execution history, derivative bytes
    skills: (signal?: AbortSignal) => c.get<Skill[]>('/assets/skills', undefined, signal),
    /**
     * Runs a skill on an asset. The server waits a while (Processing__ManualRunWaitSeconds,
     * 30 s by default) for the queued job: 200 with the result, else 202 with the pending
     * execution and its `Location`. The timeout leaves room for that wait.
     */
    runSkill: async (assetId: string, skillName: string, parameters: Record<string, unknown> | null): Promise<RunSkillOutcome> => {
      const res = await c.request<StatusResult<RunSkillResult | Execution>>(`/assets/${id(assetId)}/skills/${id(skillName)}/run`, {
        method: 'POST',
        body: parameters ? { parameters } : {},
        expect: 'status',
        timeoutMs: 120_000,
      });
      if (res.status === 202) return { kind: 'pending', execution: res.data as Execution, location: res.location };
      return { kind: 'finished', result: res.data as RunSkillResult };
    },
    executions: (assetId: string, query: { page: number; pageSize: number }, signal?: AbortSignal) =>
      c.get<Paged<Execution>>(`/assets/${id(assetId)}/executions`, query, signal),
    execution: (assetId: string, executionId: string, signal?: AbortSignal) =>
      c.get<Execution>(`/assets/${id(assetId)}/executions/${id(executionId)}`, undefined, signal),
    /** A derivative's bytes through its authenticated `contentUrl` (works for private assets). */
    derivativeContent: (contentUrl: string, signal?: AbortSignal) =>
      c.request<Blob>(contentUrl, { expect: 'blob', timeoutMs: 60_000, signal }),

    // jobs (settings.read; retry and cancel: settings.update)
    jobs: (query: { state?: JobState | ''; assetId?: string; page: number; pageSize: number }, signal?: AbortSignal) =>
      c.get<JobsPage>('/system/jobs', { ...query, state: query.state || undefined }, signal),
    job: (jobId: string, signal?: AbortSignal) => c.get<Job>(`/system/jobs/${id(jobId)}`, undefined, signal),
    retryJob: (jobId: string) => c.post<Job>(`/system/jobs/${id(jobId)}/retry`),
    cancelJob: (jobId: string) => c.post<Job>(`/system/jobs/${id(jobId)}/cancel`),

    // storage provider profiles
    storageOverview: (signal?: AbortSignal) => c.get<StorageOverview>(STORAGE, undefined, signal),
    createStorageProfile: (body: StorageProfileCreate) => c.post<StorageProfile>(STORAGE, body),
    updateStorageProfile: (profileId: string, body: StorageProfilePatch) => c.patch<StorageProfile>(`${STORAGE}/${id(profileId)}`, body),
    deleteStorageProfile: (profileId: string) => c.del<StorageDeleteResult>(`${STORAGE}/${id(profileId)}`),
    setDefaultStorageProfile: (profileId: string) => c.post<StorageProfile>(`${STORAGE}/${id(profileId)}/set-default`),
    /** Write, read back and delete a probe object; the raw result (see lib/storage normalizeTestResult). */
    testStorageProfile: (profileId: string) =>
      c.request<unknown>(`${STORAGE}/${id(profileId)}/test`, { method: 'POST', timeoutMs: 120_000 }),
    githubBrowse: (profileId: string, query: Record<string, string | number | boolean | undefined>, signal?: AbortSignal) =>
      c.get<GithubBrowseResult>(`${STORAGE}/${id(profileId)}/github-repo/browse`, query, signal),
    githubUpsert: (profileId: string, body: GithubUpsertRequest) =>
      c.request<GithubUpsertResult>(`${STORAGE}/${id(profileId)}/github-repo/upsert`, { method: 'POST', body, timeoutMs: 120_000 }),

    // AI provider profiles (aiProviders.*)
    aiProviders: (signal?: AbortSignal) => c.get<AiProvider[]>(AI, undefined, signal),
    createAiProvider: (body: AiProviderCreate) => c.post<AiProvider>(AI, body),
    updateAiProvider: (profileId: string, body: AiProviderPatch) => c.patch<AiProvider>(`${AI}/${id(profileId)}`, body),
    deleteAiProvider: (profileId: string) => c.del<AiProviderDeleteResult>(`${AI}/${id(profileId)}`),
    /** One caption call with a built-in sample image; 200 with the outcome even when the model fails. */
    testAiProvider: (body: AiProviderTestRequest, signal?: AbortSignal) =>
      c.request<AiProviderTestResult>(`${AI}/test`, { method: 'POST', body, timeoutMs: AI_TEST_TIMEOUT_MS, signal }),

    // workflow profiles (settings.read; changes: settings.update)
    workflows: (signal?: AbortSignal) => c.get<Workflow[]>(WORKFLOWS, undefined, signal),
    workflow: (workflowId: string, signal?: AbortSignal) => c.get<Workflow>(`${WORKFLOWS}/${id(workflowId)}`, undefined, signal),
    createWorkflow: (body: WorkflowSave) => c.post<Workflow>(WORKFLOWS, body),
    updateWorkflow: (workflowId: string, body: WorkflowSave) =>
      c.request<Workflow>(`${WORKFLOWS}/${id(workflowId)}`, { method: 'PUT', body }),
    deleteWorkflow: (workflowId: string) => c.request<void>(`${WORKFLOWS}/${id(workflowId)}`, { method: 'DELETE', expect: 'none' }),
    setAutoRunWorkflow: (workflowId: string) => c.patch<Workflow>(`${WORKFLOWS}/${id(workflowId)}/autorun`, {}),
    /** Queues the workflow's skills on the asset (202; assets.update). */
    runWorkflow: (assetId: string, workflowId: string) =>
      c.post<WorkflowRunResult>(`/assets/${id(assetId)}/workflows/${id(workflowId)}/run`),

    // public gallery (anonymous)
    publicAssets: (query: Record<string, string | number | undefined>, signal?: AbortSignal) =>
      c.request<Paged<PublicAsset>>('/public/assets', { query, auth: false, signal }),
    publicAsset: (assetId: string, signal?: AbortSignal) =>
      c.request<PublicAsset>(`/public/assets/${id(assetId)}`, { auth: false, signal }),
  };
}

export const API = endpoints(api);

let bootstrapPromise: Promise<Bootstrap> | null = null;

/** /system/bootstrap, fetched once per page load (retried after a failure). */
export function loadBootstrap(): Promise<Bootstrap> {
  if (!bootstrapPromise) {
    bootstrapPromise = API.bootstrap().catch((e) => {
      bootstrapPromise = null;
      throw e;
    });
  }
  return bootstrapPromise;
}
