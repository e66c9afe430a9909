import { useEffect } from 'preact/hooks';
import { t } from '../i18n';

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · ${t('app.name')}` : t('app.name');
  }, [title]);
}
