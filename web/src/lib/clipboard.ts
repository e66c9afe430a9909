import { t } from '../i18n';
import { toast } from '../ui/toast';

export async function copyText(text: string, successMessage?: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    toast.success(successMessage ?? t('common.copied'));
    return true;
  } catch {
    toast.error(t('common.copyFailed'));
    return false;
  }
}

export function escapeHtmlAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeMarkdownAlt(s: string): string {
  return s.replace(/[\[\]\\]/g, (c) => `\\${c}`);
}

export function markdownImage(url: string, alt: string): string {
  return `![${escapeMarkdownAlt(alt)}](${url.replace(/\)/g, '%29').replace(/ /g, '%20')})`;
}

export function htmlImage(url: string, alt: string): string {
  return `<img src="${escapeHtmlAttr(url)}" alt="${escapeHtmlAttr(alt)}">`;
}
