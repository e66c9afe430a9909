/* pg_conninfo.h - turn Persistence__Database__ConnectionString into a libpq conninfo string.
 *
 * Three forms are accepted:
 *  - NekoHub's own .NET (Npgsql) form "Host=db;Port=5432;Database=nekohub;Username=neko;
 *    Password=secret;Pooling=true": keys are case-insensitive (spaces inside keys ignored,
 *    so "User Id" = "UserId"), values may be quoted with " or ' (a doubled quote inside is one
 *    quote). Npgsql keys are mapped to libpq keywords (Host->host, Database->dbname,
 *    Username/User Id/User->user, SSL Mode->sslmode with its values translated, Timeout->
 *    connect_timeout, Search Path->options "-c search_path=..."; "host:port" entries in Host
 *    become host/port lists); keys that only mean something to .NET (Pooling, pool sizes,
 *    Include Error Detail, Command Timeout, ...) are ignored; any other key is refused.
 *    Output: space-separated keyword='value' pairs with \ and ' escaped.
 *  - libpq URIs (postgres://, postgresql://) and
 *  - libpq keyword strings ("host=db dbname=nekohub": lowercase keys, no unquoted ';'),
 *    both returned unchanged.
 *
 * Pure: no I/O, no logging. Thread-safe. */
#ifndef NH_DB_PG_CONNINFO_H
#define NH_DB_PG_CONNINFO_H

#define PG_CONNINFO_PROBLEM_SIZE 256

/* Returns 0 and a malloc'ed conninfo in *out (the caller frees it), or -1 with *out NULL and,
 * when problem is not NULL, one English line saying what is wrong. The problem text may name a
 * key but never quotes a value, so it is safe to log. */
int pg_conninfo_from_setting(const char *setting, char **out,
                             char problem[PG_CONNINFO_PROBLEM_SIZE]);

#endif
