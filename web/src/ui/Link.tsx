import type { JSX } from 'preact';
import { navigate } from '../lib/router';
import { t } from '../i18n';

type AnchorProps = JSX.AnchorHTMLAttributes<HTMLAnchorElement> & { href: string };

/** In-app link: a real <a href> that navigates without reloading on a plain click. */
export function Link(props: AnchorProps) {
  const { href, onClick, ...rest } = props;
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (onClick) (onClick as (e: MouseEvent) => void)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        if (rest.target && rest.target !== '_self') return;
        e.preventDefault();
        navigate(href);
      }}
    />
  );
}

/** A file's public URL opened in a new tab, or "none" when it has no public URL. */
export function OpenLink({ url }: { url: string | null | undefined }) {
  if (!url) return <>{t('common.none')}</>;
  return (
    <a href={url} target="_blank" rel="noopener">
      {t('common.open')}
    </a>
  );
}
