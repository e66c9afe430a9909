// An asset's (or a caption's) tags as a list of chips.

import { t } from '../i18n';

/** Tags as chips, or "none". */
export function TagChips({ tags, testid }: { tags: readonly string[] | null | undefined; testid?: string }) {
  const list = (tags ?? []).filter((x) => typeof x === 'string' && x.trim());
  if (!list.length)
    return (
      <span class="muted" data-testid={testid}>
        {t('tags.none')}
      </span>
    );
  return (
    <ul class="chips" data-testid={testid} aria-label={t('tags.label')}>
      {list.map((tag, i) => (
        <li key={`${tag}|${i}`} class="chip" data-testid="tag-chip">
          {tag}
        </li>
      ))}
    </ul>
  );
}
