import type { JSX } from 'preact';
import { navigate } from '../lib/router';

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
