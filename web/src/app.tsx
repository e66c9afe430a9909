import type { ComponentChildren, FunctionComponent } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { can, landingPath, visibleNav, type Permission } from './lib/permissions';
import { loginPathFor, matchRoute, navigate, useLocation } from './lib/router';
import { signOut, useSession } from './lib/session';
import { LANGS, setLang, t, useLang, type Lang, type MessageKey } from './i18n';
import { ConfirmHost } from './ui/confirm';
import { Link } from './ui/Link';
import { Loading, NoAccess, NotFound } from './ui/states';
import { Toaster } from './ui/toast';
import { LoginPage } from './pages/Login';
import { UsersPage } from './pages/Users';
import { AccountPage } from './pages/Account';
import { ConnectPage } from './pages/Connect';
import { AuditPage } from './pages/Audit';
import { AssetsPage } from './pages/Assets';
import { UploadPage } from './pages/Upload';
import { AssetDetailPage } from './pages/AssetDetail';
import { StoragePage } from './pages/Storage';
import { JobsPage } from './pages/Jobs';
import { AiProvidersPage } from './pages/AiProviders';
import { WorkflowsPage } from './pages/Workflows';
import { GalleryDetailPage, GalleryPage } from './pages/Gallery';
import { roleLabel } from './pages/Users';

type Layout = 'bare' | 'public' | 'console';

interface RouteDef {
  path: string;
  layout: Layout;
  /** Console pages: the permission needed (null = any signed-in user). */
  permission?: Permission | null;
  component: FunctionComponent<Record<string, string>>;
}

// Order matters: '/assets/upload' before '/assets/:id'.
export const ROUTES: RouteDef[] = [
  { path: '/login', layout: 'bare', component: LoginPage },
  { path: '/gallery', layout: 'public', component: GalleryPage },
  { path: '/gallery/:id', layout: 'public', component: GalleryDetailPage as FunctionComponent<Record<string, string>> },
  { path: '/assets', layout: 'console', permission: 'assets.read', component: AssetsPage },
  { path: '/assets/upload', layout: 'console', permission: 'assets.create', component: UploadPage },
  { path: '/assets/:id', layout: 'console', permission: 'assets.read', component: AssetDetailPage as FunctionComponent<Record<string, string>> },
  { path: '/storage', layout: 'console', permission: 'providers.read', component: StoragePage },
  // The original console's address of the same page.
  { path: '/providers', layout: 'console', permission: 'providers.read', component: () => <Redirect to="/storage" /> },
  { path: '/jobs', layout: 'console', permission: 'settings.read', component: JobsPage },
  { path: '/ai-providers', layout: 'console', permission: 'aiProviders.read', component: AiProvidersPage },
  { path: '/workflows', layout: 'console', permission: 'settings.read', component: WorkflowsPage },
  { path: '/users', layout: 'console', permission: 'users.read', component: UsersPage },
  { path: '/audit', layout: 'console', permission: 'audit.read', component: AuditPage },
  // Any signed-in user; the page explains when the account has nothing an agent could use.
  { path: '/connect', layout: 'console', permission: null, component: ConnectPage },
  { path: '/account', layout: 'console', permission: null, component: AccountPage },
];

function LanguageSwitch() {
  const lang = useLang();
  return (
    <div class="lang-switch">
      <label for="language-switch" class="sr-only">
        {t('lang.label')}
      </label>
      <span aria-hidden="true" class="lang-icon">
        文A
      </span>
      <select id="language-switch" value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)} data-testid="language-switch">
        {LANGS.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Moves focus to the main region after in-app navigation (screen readers hear the new page). */
function useFocusOnNavigate(path: string) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
}

function SkipLink() {
  return (
    <a class="skip-link" href="#main">
      {t('app.skipToContent')}
    </a>
  );
}

function ConsoleLayout({ children, path }: { children: ComponentChildren; path: string }) {
  const { user } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  // The mobile drawer closes with Escape (focus back on the toggle) or a click outside it. A
  // layout effect: the listeners are in place before the open drawer is painted (a plain effect
  // runs after paint, and an Escape pressed in between was lost).
  useLayoutEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setMenuOpen(false);
        document.querySelector<HTMLElement>('[data-testid=nav-menu-toggle]')?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      const target = e.target as Element | null;
      if (target && !target.closest('#sidenav') && !target.closest('[data-testid=nav-menu-toggle]')) setMenuOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
    };
  }, [menuOpen]);
  useFocusOnNavigate(path);
  const nav = visibleNav(user);
  // The longest matching entry is the current page (/assets/upload over /assets).
  const current = nav.filter((n) => path === n.path || path.startsWith(n.path + '/')).sort((a, b) => b.path.length - a.path.length)[0];

  return (
    <div class="app console">
      <SkipLink />
      <header class="topbar">
        <button
          type="button"
          class="icon-btn menu-toggle"
          aria-expanded={menuOpen ? 'true' : 'false'}
          aria-controls="sidenav"
          onClick={() => setMenuOpen(!menuOpen)}
          data-testid="nav-menu-toggle"
        >
          <span aria-hidden="true">☰</span>
          <span class="sr-only">{t('nav.menu')}</span>
        </button>
        <Link href={landingPath(user)} class="brand">
          <img class="brand-mark" src="/favicon.svg" alt="" width={24} height={24} />
          <span class="brand-text">{t('app.name')}</span>
        </Link>
        <div class="topbar-right">
          <LanguageSwitch />
          {user && (
            <span class="current-user" data-testid="current-user" title={t('nav.signedInAs', { username: user.username, role: roleLabel(user.role) })}>
              <span class="username">{user.username}</span>
              <span class="badge">{roleLabel(user.role)}</span>
            </span>
          )}
          <button type="button" class="btn btn-small" onClick={() => signOut()} data-testid="nav-logout">
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      <div class="shell">
        <nav id="sidenav" class={`sidenav${menuOpen ? ' open' : ''}`} aria-label={t('nav.label')}>
          <ul>
            {nav.map((n) => (
              <li key={n.path}>
                <Link href={n.path} aria-current={current?.path === n.path ? 'page' : undefined} data-testid={`nav-${n.key}`}>
                  {t(`nav.${n.key}` as MessageKey)}
                </Link>
              </li>
            ))}
          </ul>
          <ul class="nav-secondary">
            <li>
              <Link href="/gallery" data-testid="nav-gallery">
                {t('nav.gallery')}
              </Link>
            </li>
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

function PublicLayout({ children, path }: { children: ComponentChildren; path: string }) {
  const { status, user } = useSession();
  useFocusOnNavigate(path);
  return (
    <div class="app public">
      <SkipLink />
      <header class="topbar">
        <Link href="/gallery" class="brand">
          <img class="brand-mark" src="/favicon.svg" alt="" width={24} height={24} />
          <span class="brand-text">{t('app.name')}</span>
        </Link>
        <nav aria-label={t('nav.label')} class="public-nav">
          <Link href="/gallery" aria-current={path === '/gallery' ? 'page' : undefined} data-testid="nav-gallery">
            {t('gallery.title')}
          </Link>
        </nav>
        <div class="topbar-right">
          <LanguageSwitch />
          {status === 'signedIn' && user ? (
            <Link href={landingPath(user)} class="btn btn-small" data-testid="nav-console">
              {t('nav.console')}
            </Link>
          ) : (
            <Link href={loginPathFor('/assets')} class="btn btn-small" data-testid="nav-signin">
              {t('nav.signIn')}
            </Link>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1} class="public-main">
        {children}
      </main>
    </div>
  );
}

function BareLayout({ children }: { children: ComponentChildren }) {
  return (
    <div class="app bare">
      <header class="bare-top">
        <LanguageSwitch />
      </header>
      <main id="main" tabIndex={-1} class="bare-main">
        {children}
      </main>
    </div>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return <Loading />;
}

export function App() {
  useLang(); // re-render everything when the language changes
  const loc = useLocation();
  const session = useSession();

  let page: ComponentChildren = null;
  let layout: Layout = 'public';

  if (loc.path === '/' || loc.path === '') {
    // `/`: the first permitted console page when signed in, else the public gallery.
    if (session.status === 'loading') return <Loading label={t('app.starting')} />;
    return <Redirect to={session.user ? landingPath(session.user) : '/gallery'} />;
  }

  let matched: { route: RouteDef; params: Record<string, string> } | null = null;
  for (const route of ROUTES) {
    const params = matchRoute(route.path, loc.path);
    if (params) {
      matched = { route, params };
      break;
    }
  }

  if (!matched) {
    layout = session.user ? 'console' : 'public';
    page = <NotFound />;
  } else {
    const { route, params } = matched;
    layout = route.layout;
    const Component = route.component;
    if (route.layout === 'console') {
      if (session.status === 'loading') return <Loading label={t('app.starting')} />;
      if (!session.user) return <Redirect to={loginPathFor(loc.path + loc.search)} />;
      page = route.permission && !can(session.user, route.permission) ? <NoAccess permission={route.permission} /> : <Component key={route.path} {...params} />;
    } else {
      page = <Component key={route.path} {...params} />;
    }
  }

  const body =
    layout === 'console' ? (
      <ConsoleLayout path={loc.path}>{page}</ConsoleLayout>
    ) : layout === 'bare' ? (
      <BareLayout>{page}</BareLayout>
    ) : (
      <PublicLayout path={loc.path}>{page}</PublicLayout>
    );

  return (
    <>
      {body}
      <Toaster />
      <ConfirmHost />
    </>
  );
}
