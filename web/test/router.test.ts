import { describe, expect, it } from 'vitest';
import { intParam, loginPathFor, matchRoute, safeNext, withQuery } from '../src/lib/router';

describe('router helpers', () => {
  it('matches patterns with params', () => {
    expect(matchRoute('/assets/:id', '/assets/abc')).toEqual({ id: 'abc' });
    expect(matchRoute('/assets/:id', '/assets/abc/')).toEqual({ id: 'abc' });
    expect(matchRoute('/assets/:id', '/assets')).toBeNull();
    expect(matchRoute('/assets', '/assets')).toEqual({});
    expect(matchRoute('/gallery/:id', '/gallery/a%20b')).toEqual({ id: 'a b' });
  });

  it('accepts only same-origin paths as next', () => {
    expect(safeNext('/users?x=1')).toBe('/users?x=1');
    expect(safeNext('//evil.example')).toBeNull();
    expect(safeNext('/\\evil.example')).toBeNull();
    expect(safeNext('https://evil.example')).toBeNull();
    expect(safeNext('javascript:alert(1)')).toBeNull();
    expect(safeNext('/login?next=/x')).toBeNull();
    expect(safeNext(null)).toBeNull();
  });

  it('builds the sign-in path with next', () => {
    expect(loginPathFor('/users?role=admin')).toBe('/login?next=%2Fusers%3Frole%3Dadmin');
    expect(loginPathFor('/')).toBe('/login');
  });

  it('builds and reads query strings', () => {
    expect(withQuery('/audit', { page: 1, pageSize: 50, actor: 'root', action: '' }, { page: 1, pageSize: 50 })).toBe('/audit?actor=root');
    const q = new URLSearchParams('page=3&pageSize=7&bad=x');
    expect(intParam(q, 'page', 1)).toBe(3);
    expect(intParam(q, 'pageSize', 20, [10, 20])).toBe(20);
    expect(intParam(q, 'bad', 1)).toBe(1);
  });
});
