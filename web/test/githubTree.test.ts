import { describe, expect, it } from 'vitest';
import type { GithubBrowseItem } from '../src/api/types';
import {
  beginLoad,
  browseQuery,
  initialTree,
  isSearch,
  joinPath,
  moveFocus,
  nextPage,
  parentOf,
  receiveError,
  receivePage,
  ROOT,
  rowIndexOf,
  toggle,
  visibleRows,
  type TreeState,
} from '../src/lib/githubTree';

const file = (path: string): GithubBrowseItem => ({
  name: path.split('/').pop()!, path, type: 'file', isDirectory: false, isFile: true, size: 1, sha: `sha-${path}`, publicUrl: null,
});
const dir = (path: string): GithubBrowseItem => ({
  name: path.split('/').pop()!, path, type: 'dir', isDirectory: true, isFile: false, size: null, sha: null, publicUrl: null,
});

function loaded(state: TreeState, path: string, items: GithubBrowseItem[], total = items.length, page = 1, hasMore = false): TreeState {
  return receivePage(beginLoad(state, path, page), path, { page, items, total, hasMore });
}

describe('paging a directory', () => {
  it('page 1 replaces, later pages append without duplicates', () => {
    let s = loaded(initialTree(), ROOT, [dir('a'), file('x.png')], 4, 1, true);
    expect(nextPage(s, ROOT, true)).toBe(2);
    expect(nextPage(s, ROOT, false)).toBe(1);
    s = beginLoad(s, ROOT, 2);
    expect(s.dirs[ROOT].items.length).toBe(2); // kept while the next page loads
    // an entry added upstream shifted the window: x.png comes again
    s = receivePage(s, ROOT, { page: 2, items: [file('x.png'), file('y.png'), file('z.png')], total: 5, hasMore: false });
    expect(s.dirs[ROOT].items.map((i) => i.path)).toEqual(['a', 'x.png', 'y.png', 'z.png']);
    expect(s.dirs[ROOT]).toMatchObject({ status: 'loaded', page: 2, hasMore: false, total: 5, pending: null });
  });

  it('a stale answer (not the page asked for) is ignored', () => {
    let s = beginLoad(initialTree(), ROOT, 1);
    s = beginLoad(s, ROOT, 1); // reloaded
    const before = s;
    expect(receivePage(s, ROOT, { page: 2, items: [file('late')], total: 1, hasMore: false })).toBe(before);
    expect(receivePage(initialTree(), 'never-asked', { page: 1, items: [], total: 0, hasMore: false }).dirs['never-asked']).toBeUndefined();
  });

  it('a failed first page shows the error; a failed later page keeps the items', () => {
    let s = receiveError(beginLoad(initialTree(), ROOT, 1), ROOT, 1, new Error('boom'));
    expect(s.dirs[ROOT].status).toBe('error');
    s = loaded(initialTree(), ROOT, [file('a')], 2, 1, true);
    s = receiveError(beginLoad(s, ROOT, 2), ROOT, 2, new Error('later'));
    expect(s.dirs[ROOT]).toMatchObject({ status: 'loaded', items: [file('a')], pending: null, hasMore: true });
    expect((s.dirs[ROOT].error as Error).message).toBe('later');
    expect(nextPage(s, ROOT, true)).toBe(2); // retry the same page
  });
});

describe('lazy directories and visible rows', () => {
  it('a directory is listed when first opened, not again when reopened', () => {
    let s = loaded(initialTree(), ROOT, [dir('a'), file('r.png')]);
    let t = toggle(s, 'a');
    expect(t.load).toBe(true);
    s = loaded(t.state, 'a', [dir('a/b'), file('a/1.png')], 3, 1, true);
    t = toggle(s, 'a');
    expect(t.load).toBe(false);
    expect(t.state.expanded.a).toBe(false);
    t = toggle(t.state, 'a');
    expect(t.load).toBe(false);
    // a failed listing is retried when reopened
    const failed = receiveError(beginLoad(t.state, 'a/b', 1), 'a/b', 1, new Error('x'));
    expect(toggle({ ...failed, expanded: { ...failed.expanded, 'a/b': false } }, 'a/b').load).toBe(true);
  });

  it('rows in depth-first order, with levels, positions and load-more rows', () => {
    let s = loaded(initialTree(), ROOT, [dir('a'), file('r.png')]);
    s = toggle(s, 'a').state;
    s = loaded(s, 'a', [dir('a/b'), file('a/1.png')], 3, 1, true);
    const rows = visibleRows(s);
    expect(rows.map((r) => (r.kind === 'item' ? `${r.depth}:${r.item.path}:${r.posInSet}/${r.setSize}` : `${r.depth}:more:${r.path}:${r.remaining}`))).toEqual([
      '1:a:1/2',
      '2:a/b:1/3',
      '2:a/1.png:2/3',
      '2:more:a:1',
      '1:r.png:2/2',
    ]);
    expect(rows[0].kind === 'item' && rows[0].expanded).toBe(true);
    expect(rowIndexOf(rows, 'a')).toBe(0);
    // collapsing hides the children
    expect(visibleRows(toggle(s, 'a').state).length).toBe(2);
  });

  it('keyboard moves stay inside the list', () => {
    const rows = visibleRows(loaded(initialTree(), ROOT, [file('1'), file('2'), file('3')]));
    expect(moveFocus(rows, 0, 'ArrowUp')).toBe(0);
    expect(moveFocus(rows, 0, 'ArrowDown')).toBe(1);
    expect(moveFocus(rows, 2, 'ArrowDown')).toBe(2);
    expect(moveFocus(rows, 1, 'End')).toBe(2);
    expect(moveFocus(rows, 2, 'Home')).toBe(0);
    expect(moveFocus(rows, 1, 'x')).toBeNull();
    expect(moveFocus([], 0, 'ArrowDown')).toBeNull();
  });
});

describe('browse queries', () => {
  const f = { type: 'all' as const, keyword: '', maxDepth: 2, pageSize: 50 };
  it('a tree level is not recursive and names its path', () => {
    expect(browseQuery('', 1, f)).toEqual({ page: 1, pageSize: 50 });
    expect(browseQuery('a/b', 3, f)).toEqual({ path: 'a/b', page: 3, pageSize: 50 });
    expect(isSearch(f)).toBe(false);
  });

  it('filters make a recursive search', () => {
    const s = { ...f, type: 'file' as const, keyword: ' cat ', maxDepth: 0 };
    expect(isSearch(s)).toBe(true);
    expect(browseQuery('', 2, s)).toEqual({ page: 2, pageSize: 50, recursive: true, maxDepth: 1, type: 'file', keyword: 'cat' });
    expect(isSearch({ ...f, keyword: '  ' })).toBe(false);
  });

  it('path helpers', () => {
    expect(parentOf('a/b/c.png')).toBe('a/b');
    expect(parentOf('c.png')).toBe('');
    expect(joinPath('a/b/', 'c.png')).toBe('a/b/c.png');
    expect(joinPath('', 'c.png')).toBe('c.png');
  });
});
