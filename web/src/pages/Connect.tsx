// "Connect an agent": step 1 creates a personal API key scoped for MCP (a preset the user can
// edit, limited to their own permissions), step 2 shows copy-ready configuration for Claude
// Desktop, Claude Code, Cursor, VS Code and any Streamable HTTP client with the hub's MCP URL
// and that key filled in. The key lives only in this page's memory: it is shown once.

import { useEffect, useRef, useState } from 'preact/hooks';
import { isApiError } from '../api/client';
import { API, loadBootstrap } from '../api/endpoints';
import type { CreatedApiKey } from '../api/types';
import { copyText } from '../lib/clipboard';
import { expiryToUtc, type Expiry } from '../lib/expiry';
import { ExpiryFields } from '../ui/ExpiryFields';
import {
  abilities,
  agentGrantable,
  authorizationHeader,
  CLIENTS,
  KEY_PLACEHOLDER,
  localDate,
  mcpUrl,
  presetFor,
  RISKY,
  snippet,
  type ClientId,
} from '../lib/mcpConnect';
import { grantablePermissions, sortPermissions, type Permission } from '../lib/permissions';
import { useAction } from '../lib/useAction';
import { useAsync } from '../lib/useAsync';
import { useSession } from '../lib/session';
import { formatDate, t, type MessageKey } from '../i18n';
import { confirmDialog } from '../ui/confirm';
import { TextField } from '../ui/fields';
import { Link } from '../ui/Link';
import { PermissionChecklist } from '../ui/PermissionChecklist';
import { toast } from '../ui/toast';
import { useTitle } from '../ui/useTitle';

export function ConnectPage() {
  useTitle(t('connect.title'));
  const { user } = useSession();
  const boot = useAsync(() => loadBootstrap(), []);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const grantable = agentGrantable(grantablePermissions(user));
  const url = mcpUrl(window.location.origin, boot.data?.publicBaseUrl);

  return (
    <section class="stack connect">
      <h1>{t('connect.title')}</h1>
      <p class="muted">{t('connect.intro')}</p>
      {grantable.length === 0 ? (
        <div class="notice" role="note" data-testid="connect-no-permissions">
          <p>{t('connect.noPermissions')}</p>
        </div>
      ) : created ? (
        <CreatedKey created={created} offered={grantable} onAnother={() => setCreated(null)} />
      ) : (
        <KeyForm grantable={grantable} onCreated={setCreated} />
      )}
      <ClientConfig url={url} apiKey={created?.key ?? null} />
      <p class="muted small">
        {t('connect.revokeHint')}{' '}
        <Link href="/account" data-testid="connect-revoke-link">
          {t('connect.revokeLink')}
        </Link>
      </p>
    </section>
  );
}

// ---- step 1: the key -----------------------------------------------------------------------

function KeyForm({ grantable, onCreated }: { grantable: Permission[]; onCreated: (key: CreatedApiKey) => void }) {
  const [name, setName] = useState(() => t('connect.defaultName', { date: localDate(new Date()) }));
  const [perms, setPerms] = useState<string[]>(() => presetFor(grantable));
  const [expiry, setExpiry] = useState<Expiry>('90');
  const [date, setDate] = useState('');
  const [tried, setTried] = useState(false);
  const [serverError, setServerError] = useState<{ field: 'name' | 'expiry' | 'permissions'; message: string } | null>(null);
  const [busy, run] = useAction();

  const expiresAt = expiryToUtc(expiry, date);
  const fieldError = (field: 'name' | 'expiry' | 'permissions') => (serverError?.field === field ? serverError.message : null);
  const nameError = tried && !name.trim() ? t('apiKeys.nameRequired') : fieldError('name');
  const permError = tried && perms.length === 0 ? t('apiKeys.permissionRequired') : fieldError('permissions');
  const dateError = tried && expiresAt === 'invalid' ? t('apiKeys.dateInvalid') : fieldError('expiry');

  const create = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setServerError(null);
    if (!name.trim() || perms.length === 0 || expiresAt === 'invalid') return;
    const risky = sortPermissions(perms.filter((p) => (RISKY as readonly string[]).includes(p)));
    if (risky.length) {
      const ok = await confirmDialog({
        title: t('connect.riskyTitle'),
        body: t('connect.riskyBody', { permissions: risky.map((p) => t(`perm.${p}` as MessageKey)).join(', ') }),
        confirmLabel: t('connect.createAnyway'),
        danger: true,
      });
      if (!ok) return;
    }
    await run(async () => {
      try {
        const key = await API.createApiKey({ name: name.trim(), permissions: sortPermissions(perms), expiresAtUtc: expiresAt });
        toast.success(t('apiKeys.created', { name: key.name }));
        onCreated(key);
      } catch (err) {
        const field = isApiError(err) ? fieldOfCode(err.code) : null;
        if (!field || !isApiError(err)) throw err;
        setServerError({ field, message: err.message });
      }
    });
  };

  return (
    <form class="card stack" onSubmit={create} noValidate aria-labelledby="connect-step1" data-testid="connect-key-form">
      <h2 id="connect-step1">{t('connect.step1')}</h2>
      <p class="muted">{t('connect.step1Intro')}</p>
      <div class="field-row">
        <TextField id="connect-key-name" label={t('apiKeys.name')} value={name} onValue={setName} error={nameError} maxLength={100} required autocomplete="off" testid="connect-key-name" />
        <ExpiryFields idPrefix="connect-key" expiry={expiry} onExpiry={setExpiry} date={date} onDate={setDate} dateError={dateError} />
      </div>
      {expiry !== 'custom' && dateError && (
        <p class="field-error" role="alert">
          {dateError}
        </p>
      )}
      <PermissionChecklist value={perms} onChange={setPerms} grantable={grantable} idPrefix="connect-perm" legend={t('connect.permissions')} />
      {permError && (
        <p class="field-error" role="alert" data-testid="connect-permission-error">
          {permError}
        </p>
      )}
      <Abilities chosen={perms} offered={grantable} />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="connect-key-create">
          {busy ? t('connect.creating') : t('connect.create')}
        </button>
      </div>
    </form>
  );
}

/** The API's key-creation codes that belong to one field of the form. */
function fieldOfCode(code: string): 'name' | 'expiry' | 'permissions' | null {
  if (code.startsWith('api_key_name_')) return 'name';
  if (code === 'api_key_expiry_invalid') return 'expiry';
  if (code === 'api_key_permissions_required' || code === 'api_key_permission_grant_forbidden' || code === 'user_permission_unknown') return 'permissions';
  return null;
}

/** What an agent holding these permissions can and cannot do, tool by tool. */
function Abilities({ chosen, offered }: { chosen: readonly string[]; offered: readonly string[] }) {
  const list = abilities(chosen, offered);
  return (
    <div class="abilities" aria-labelledby="connect-abilities-title" role="region">
      <h3 id="connect-abilities-title">{t('connect.abilitiesTitle')}</h3>
      <ul class="ability-list" data-testid="connect-abilities">
        {list.map(({ ability, allowed }) => (
          <li key={ability.id} class={allowed ? 'ability yes' : 'ability no'} data-testid="connect-ability" data-ability={ability.id} data-allowed={allowed ? 'true' : 'false'}>
            <span class="ability-mark" aria-hidden="true">
              {allowed ? '✓' : '✕'}
            </span>
            <span class="sr-only">{allowed ? t('connect.can') : t('connect.cannot')}</span>
            <span class="ability-text">
              {t(`connect.ability.${ability.id}` as MessageKey)}
              <span class="ability-tools">
                {ability.tools.map((tool) => (
                  <code key={tool}>{tool}</code>
                ))}
              </span>
            </span>
          </li>
        ))}
      </ul>
      <p class="muted small">{t('connect.abilitiesNote')}</p>
    </div>
  );
}

function CreatedKey({ created, offered, onAnother }: { created: CreatedApiKey; offered: readonly string[]; onAnother: () => void }) {
  const another = async () => {
    const ok = await confirmDialog({ title: t('connect.anotherTitle'), body: t('connect.anotherBody'), confirmLabel: t('connect.another') });
    if (ok) onAnother();
  };
  return (
    <div class="card stack" role="region" aria-labelledby="connect-step1">
      <h2 id="connect-step1">{t('connect.step1')}</h2>
      <div class="secret-box" data-testid="connect-key-created" data-key-id={created.id}>
        <h3>{t('apiKeys.secretTitle', { name: created.name })}</h3>
        <p class="warn" role="status">
          {t('connect.secretWarning')}
        </p>
        <div class="secret-row">
          <code class="secret" data-testid="connect-key-secret" tabIndex={0}>
            {created.key}
          </code>
          <CopyButton text={created.key} label={t('apiKeys.copy')} testid="connect-key-copy" />
        </div>
        <p class="muted small">
          {created.expiresAtUtc ? t('connect.expiresOn', { date: formatDate(created.expiresAtUtc) }) : t('connect.noExpiry')}
        </p>
      </div>
      <Abilities chosen={created.permissions} offered={offered} />
      <div class="form-actions">
        <button type="button" class="btn" onClick={another} data-testid="connect-key-another">
          {t('connect.another')}
        </button>
      </div>
    </div>
  );
}

// ---- step 2: the client configuration ---------------------------------------------------------

/** A copy button whose label says "Copied" for a moment after a successful copy. */
function CopyButton({ text, label, testid, small }: { text: string; label: string; testid: string; small?: boolean }) {
  const [copied, setCopied] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    if (!(await copyText(text))) return;
    setCopied(true);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" class={small ? 'btn btn-small' : 'btn'} onClick={copy} data-testid={testid} data-copied={copied ? 'true' : 'false'}>
      <span aria-live="polite">{copied ? t('connect.copied') : label}</span>
    </button>
  );
}

const TAB_LABEL: Record<ClientId, MessageKey> = {
  'claude-desktop': 'connect.client.claude-desktop',
  'claude-code': 'connect.client.claude-code',
  cursor: 'connect.client.cursor',
  vscode: 'connect.client.vscode',
  generic: 'connect.client.generic',
};

function ClientConfig({ url, apiKey }: { url: string; apiKey: string | null }) {
  const [tab, setTab] = useState<ClientId>('claude-desktop');
  const tabs = useRef<Record<string, HTMLButtonElement | null>>({});
  const key = apiKey ?? KEY_PLACEHOLDER;

  // ARIA tabs, automatic activation: arrows / Home / End move the selection and the focus.
  const onKey = (e: KeyboardEvent, index: number) => {
    let next = -1;
    if (e.key === 'ArrowRight') next = (index + 1) % CLIENTS.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + CLIENTS.length) % CLIENTS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = CLIENTS.length - 1;
    if (next < 0) return;
    e.preventDefault();
    setTab(CLIENTS[next]);
    tabs.current[CLIENTS[next]]?.focus();
  };

  return (
    <div class="card stack" role="region" aria-labelledby="connect-step2">
      <h2 id="connect-step2">{t('connect.step2')}</h2>
      <div>
        <h3 id="connect-mcp-url-label">{t('connect.mcpUrl')}</h3>
        <div class="secret-row">
          <code class="secret" data-testid="connect-mcp-url">
            {url}
          </code>
          <CopyButton text={url} label={t('connect.copyUrl')} testid="connect-copy-url" />
        </div>
      </div>
      {apiKey ? (
        <p class="notice notice-success" data-testid="connect-key-filled">
          {t('connect.keyFilled')}
        </p>
      ) : (
        <p class="notice" data-testid="connect-key-placeholder-note">
          {t('connect.placeholderNote', { placeholder: KEY_PLACEHOLDER })}
        </p>
      )}
      <div class="tabs" role="tablist" aria-label={t('connect.clients')} data-testid="connect-tabs">
        {CLIENTS.map((c, i) => (
          <button
            key={c}
            ref={(el) => {
              tabs.current[c] = el;
            }}
            id={`connect-tab-${c}`}
            type="button"
            role="tab"
            class="tab"
            aria-selected={tab === c ? 'true' : 'false'}
            aria-controls={`connect-panel-${c}`}
            tabIndex={tab === c ? 0 : -1}
            onClick={() => setTab(c)}
            onKeyDown={(e) => onKey(e as unknown as KeyboardEvent, i)}
            data-testid={`connect-tab-${c}`}
          >
            {t(TAB_LABEL[c])}
          </button>
        ))}
      </div>
      <div id={`connect-panel-${tab}`} role="tabpanel" aria-labelledby={`connect-tab-${tab}`} tabIndex={0} class="stack" data-testid={`connect-panel-${tab}`}>
        {tab === 'generic' ? <GenericPanel url={url} apiKey={key} /> : <ClientPanel client={tab} url={url} apiKey={key} />}
      </div>
    </div>
  );
}

function Snippet({ client, text, label }: { client: string; text: string; label: string }) {
  return (
    <div class="snippet">
      <div class="snippet-head">
        <span class="snippet-label">{label}</span>
        <CopyButton text={text} label={t('common.copy')} testid={`connect-copy-${client}`} small />
      </div>
      <pre class="json snippet-text" data-testid={`connect-snippet-${client}`} tabIndex={0}>
        {text}
      </pre>
    </div>
  );
}

function ClientPanel({ client, url, apiKey }: { client: Exclude<ClientId, 'generic'>; url: string; apiKey: string }) {
  return (
    <>
      <p>{t(`connect.how.${client}` as MessageKey)}</p>
      <Snippet client={client} text={snippet(client, url, apiKey)} label={t(`connect.file.${client}` as MessageKey)} />
      <p class="muted small">{t(`connect.after.${client}` as MessageKey)}</p>
    </>
  );
}

function GenericPanel({ url, apiKey }: { url: string; apiKey: string }) {
  return (
    <>
      <p>{t('connect.how.generic')}</p>
      <dl class="kv">
        <dt>{t('connect.generic.url')}</dt>
        <dd>
          <code data-testid="connect-generic-url">{url}</code>
        </dd>
        <dt>{t('connect.generic.header')}</dt>
        <dd>
          <code class="break" data-testid="connect-generic-header">
            {authorizationHeader(apiKey)}
          </code>
        </dd>
        <dt>{t('connect.generic.transport')}</dt>
        <dd>{t('connect.generic.transportText')}</dd>
      </dl>
      <Snippet client="generic" text={snippet('generic', url, apiKey)} label={t('connect.file.generic')} />
      <p class="muted small">{t('connect.after.generic')}</p>
    </>
  );
}
