// Permissions as a checklist grouped by area. Only permissions the actor may grant can be
// changed; ones the subject already holds but the actor may not grant are shown, disabled.

import { useEffect, useRef } from 'preact/hooks';
import { PERMISSION_GROUPS, type Permission } from '../lib/permissions';
import { t, type MessageKey } from '../i18n';

export interface PermissionChecklistProps {
  value: readonly string[];
  onChange: (next: string[]) => void;
  grantable: readonly Permission[];
  idPrefix: string;
  legend?: string;
  disabled?: boolean;
}

function GroupBox({ checked, indeterminate, disabled, label, onChange, testid, id }: {
  checked: boolean;
  indeterminate: boolean;
  disabled: boolean;
  label: string;
  onChange: (on: boolean) => void;
  testid: string;
  id: string;
}) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate;
  }, [indeterminate]);
  return (
    <span class="check group-check">
      <input
        ref={ref}
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-checked={indeterminate ? 'mixed' : checked ? 'true' : 'false'}
        onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
        data-testid={testid}
      />
      <label for={id}>{label}</label>
    </span>
  );
}

export function PermissionChecklist({ value, onChange, grantable, idPrefix, legend, disabled }: PermissionChecklistProps) {
  const selected = new Set(value);
  const canGrant = new Set<string>(grantable);

  const set = (perms: readonly string[], on: boolean) => {
    const next = new Set(selected);
    for (const p of perms) {
      if (!canGrant.has(p)) continue;
      if (on) next.add(p);
      else next.delete(p);
    }
    onChange(PERMISSION_GROUPS.flatMap((g) => g.permissions).filter((p) => next.has(p)));
  };

  return (
    <fieldset class="perm-checklist" data-testid="permissions-checklist" disabled={disabled}>
      <legend>{legend ?? t('perms.legend')}</legend>
      <div class="perm-groups">
        {PERMISSION_GROUPS.map((group) => {
          const shown = group.permissions.filter((p) => canGrant.has(p) || selected.has(p));
          if (shown.length === 0) return null;
          const editable = shown.filter((p) => canGrant.has(p));
          const onCount = editable.filter((p) => selected.has(p)).length;
          const area = t(`area.${group.area}` as MessageKey);
          const groupId = `${idPrefix}-group-${group.area}`;
          return (
            <fieldset key={group.area} class="perm-group" aria-labelledby={`${groupId}-title`}>
              <legend id={`${groupId}-title`} class="perm-group-title">
                {area}
              </legend>
              {editable.length > 1 && (
                <GroupBox
                  id={groupId}
                  checked={onCount === editable.length}
                  indeterminate={onCount > 0 && onCount < editable.length}
                  disabled={!!disabled}
                  label={t('perms.groupAll', { area })}
                  onChange={(on) => set(editable, on)}
                  testid={`permission-group-${group.area}`}
                />
              )}
              <ul class="perm-list">
                {shown.map((p) => {
                  const id = `${idPrefix}-${p.replace('.', '-')}`;
                  const locked = !canGrant.has(p);
                  return (
                    <li key={p} class="check">
                      <input
                        id={id}
                        type="checkbox"
                        checked={selected.has(p)}
                        disabled={disabled || locked}
                        aria-describedby={locked ? `${id}-why` : undefined}
                        onChange={(e) => set([p], (e.target as HTMLInputElement).checked)}
                        data-testid={`permission-${p}`}
                        value={p}
                      />
                      <label for={id} title={locked ? t('perms.notGrantable') : undefined}>
                        {t(`perm.${p}` as MessageKey)} <code class="perm-key">{p}</code>
                      </label>
                      {locked && (
                        <span id={`${id}-why`} class="sr-only">
                          {t('perms.notGrantable')}
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </fieldset>
          );
        })}
      </div>
    </fieldset>
  );
}
