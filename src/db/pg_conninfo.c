/* pg_conninfo.c - conversion of NekoHub's .NET connection strings to libpq conninfo strings;
 * see pg_conninfo.h. */
#include "db/pg_conninfo.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* The libpq keywords a .NET string can set, in the order they are written out. */
typedef enum {
    SLOT_HOST,
    SLOT_PORT,
    SLOT_DBNAME,
    SLOT_USER,
    SLOT_PASSWORD,
    SLOT_PASSFILE,
    SLOT_SSLMODE,
    SLOT_SSLCERT,
    SLOT_SSLKEY,
    SLOT_SSLPASSWORD,
    SLOT_SSLROOTCERT,
    SLOT_CHANNEL_BINDING,
    SLOT_CONNECT_TIMEOUT,
    SLOT_APPLICATION_NAME,
    SLOT_CLIENT_ENCODING,
    SLOT_KEEPALIVES,
    SLOT_TARGET_SESSION_ATTRS,
    SLOT_KRBSRVNAME,
    SLOT_OPTIONS,
    SLOT_SEARCH_PATH, /* folded into options */
    SLOT_TIMEZONE,    /* folded into options */
    SLOT_COUNT,
    SLOT_IGNORED
} slot;

static const char *const slot_keywords[SLOT_COUNT] = {
    [SLOT_HOST] = "host",
    [SLOT_PORT] = "port",
    [SLOT_DBNAME] = "dbname",
    [SLOT_USER] = "user",
    [SLOT_PASSWORD] = "password",
    [SLOT_PASSFILE] = "passfile",
    [SLOT_SSLMODE] = "sslmode",
    [SLOT_SSLCERT] = "sslcert",
    [SLOT_SSLKEY] = "sslkey",
    [SLOT_SSLPASSWORD] = "sslpassword",
    [SLOT_SSLROOTCERT] = "sslrootcert",
    [SLOT_CHANNEL_BINDING] = "channel_binding",
    [SLOT_CONNECT_TIMEOUT] = "connect_timeout",
    [SLOT_APPLICATION_NAME] = "application_name",
    [SLOT_CLIENT_ENCODING] = "client_encoding",
    [SLOT_KEEPALIVES] = "keepalives",
    [SLOT_TARGET_SESSION_ATTRS] = "target_session_attrs",
    [SLOT_KRBSRVNAME] = "krbsrvname",
    [SLOT_OPTIONS] = "options",
    [SLOT_SEARCH_PATH] = "search_path",
    [SLOT_TIMEZONE] = "TimeZone",
};

/* Npgsql keys (lowercase, spaces removed) and where they go. */
typedef struct key_mapping {
    const char *key;
    slot target;
} key_mapping;

static const key_mapping key_mappings[] = {
    {"host", SLOT_HOST},
    {"server", SLOT_HOST},
    {"port", SLOT_PORT},
    {"database", SLOT_DBNAME},
    {"db", SLOT_DBNAME},
    {"username", SLOT_USER},
    {"user", SLOT_USER},
    {"userid", SLOT_USER},
    {"uid", SLOT_USER},
    {"password", SLOT_PASSWORD},
    {"pwd", SLOT_PASSWORD},
    {"psw", SLOT_PASSWORD},
    {"passfile", SLOT_PASSFILE},
    {"sslmode", SLOT_SSLMODE},
    {"sslcertificate", SLOT_SSLCERT},
    {"sslkey", SLOT_SSLKEY},
    {"sslpassword", SLOT_SSLPASSWORD},
    {"rootcertificate", SLOT_SSLROOTCERT},
    {"channelbinding", SLOT_CHANNEL_BINDING},
    {"timeout", SLOT_CONNECT_TIMEOUT},
    {"applicationname", SLOT_APPLICATION_NAME},
    {"clientencoding", SLOT_CLIENT_ENCODING},
    {"encoding", SLOT_CLIENT_ENCODING},
    {"tcpkeepalive", SLOT_KEEPALIVES},
    {"targetsessionattributes", SLOT_TARGET_SESSION_ATTRS},
    {"kerberosservicename", SLOT_KRBSRVNAME},
    {"krbsrvname", SLOT_KRBSRVNAME},
    {"options", SLOT_OPTIONS},
    {"searchpath", SLOT_SEARCH_PATH},
    {"timezone", SLOT_TIMEZONE},
    /* Meaningful to Npgsql only: pooling is ours, the rest has no libpq equivalent. */
    {"pooling", SLOT_IGNORED},
    {"minimumpoolsize", SLOT_IGNORED},
    {"minpoolsize", SLOT_IGNORED},
    {"maximumpoolsize", SLOT_IGNORED},
    {"maxpoolsize", SLOT_IGNORED},
    {"connectionidlelifetime", SLOT_IGNORED},
    {"connectionpruninginterval", SLOT_IGNORED},
    {"connectionlifetime", SLOT_IGNORED},
    {"loadbalancetimeout", SLOT_IGNORED},
    {"includeerrordetail", SLOT_IGNORED},
    {"includeerrordetails", SLOT_IGNORED},
    {"logparameters", SLOT_IGNORED},
    {"commandtimeout", SLOT_IGNORED},
    {"cancellationtimeout", SLOT_IGNORED},
    {"internalcommandtimeout", SLOT_IGNORED},
    {"trustservercertificate", SLOT_IGNORED},
    {"checkcertificaterevocation", SLOT_IGNORED},
    {"enlist", SLOT_IGNORED},
    {"persistsecurityinfo", SLOT_IGNORED},
    {"maxautoprepare", SLOT_IGNORED},
    {"autoprepareminusages", SLOT_IGNORED},
    {"noresetonclose", SLOT_IGNORED},
    {"readbuffersize", SLOT_IGNORED},
    {"writebuffersize", SLOT_IGNORED},
    {"socketreceivebuffersize", SLOT_IGNORED},
    {"socketsendbuffersize", SLOT_IGNORED},
    {"multiplexing", SLOT_IGNORED},
    {"writecoalescingbufferthresholdbytes", SLOT_IGNORED},
    {"servercompatibilitymode", SLOT_IGNORED},
    {"arraynullabilitymode", SLOT_IGNORED},
    {"loadbalancehosts", SLOT_IGNORED},
    {"hostrecheckseconds", SLOT_IGNORED},
    {"keepalive", SLOT_IGNORED},
    {"tcpkeepalivetime", SLOT_IGNORED},
    {"tcpkeepaliveinterval", SLOT_IGNORED},
    {"includerealm", SLOT_IGNORED},
};

/* Npgsql enum values (lowercase, '-' and '_' removed) and their libpq spelling. */
typedef struct value_mapping {
    const char *npgsql;
    const char *libpq;
} value_mapping;

static const value_mapping sslmode_values[] = {
    {"disable", "disable"}, {"allow", "allow"},        {"prefer", "prefer"},
    {"require", "require"}, {"verifyca", "verify-ca"}, {"verifyfull", "verify-full"},
    {NULL, NULL},
};

static const value_mapping channel_binding_values[] = {
    {"disable", "disable"},
    {"prefer", "prefer"},
    {"require", "require"},
    {NULL, NULL},
};

static const value_mapping keepalive_values[] = {
    {"true", "1"}, {"false", "0"}, {"yes", "1"}, {"no", "0"}, {"1", "1"}, {"0", "0"}, {NULL, NULL},
};

static const value_mapping session_attrs_values[] = {
    {"any", "any"},         {"readwrite", "read-write"}, {"readonly", "read-only"},
    {"primary", "primary"}, {"standby", "standby"},      {"preferstandby", "prefer-standby"},
    {NULL, NULL},
};

static void set_problem(char *problem, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void set_problem(char *problem, const char *format, ...)
{
    if (!problem)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(problem, PG_CONNINFO_PROBLEM_SIZE, format, args);
    va_end(args);
}

/* ---- which form is it? ---- */

static bool starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Index after a libpq single-quoted value starting at text[i] == '\'', or 0 if unterminated. */
static size_t skip_libpq_quoted(const char *text, size_t i)
{
    for (i++; text[i]; i++) {
        if (text[i] == '\\' && text[i + 1])
            i++;
        else if (text[i] == '\'')
            return i + 1;
    }
    return 0;
}

/* True when text parses as libpq "keyword = value" pairs with lowercase keywords and no
 * unquoted ';' (which would mean a .NET string written in lowercase). */
static bool is_libpq_keywords(const char *text)
{
    size_t i = 0;
    bool any = false;
    for (;;) {
        while (isspace((unsigned char)text[i]))
            i++;
        if (!text[i])
            return any;
        size_t key_start = i;
        while (islower((unsigned char)text[i]) || text[i] == '_')
            i++;
        if (i == key_start)
            return false;
        while (isspace((unsigned char)text[i]))
            i++;
        if (text[i] != '=')
            return false;
        i++;
        while (isspace((unsigned char)text[i]))
            i++;
        if (text[i] == '\'') {
            i = skip_libpq_quoted(text, i);
            if (i == 0)
                return false;
        } else {
            for (; text[i] && !isspace((unsigned char)text[i]); i++) {
                if (text[i] == ';')
                    return false;
                if (text[i] == '\\' && text[i + 1])
                    i++;
            }
        }
        any = true;
    }
}

/* ---- the .NET form ---- */

typedef struct dotnet_pair {
    char *key;   /* lowercase, spaces removed */
    char *value; /* unquoted, trimmed when it was not quoted */
} dotnet_pair;

static void pair_free(dotnet_pair *pair)
{
    free(pair->key);
    free(pair->value);
    pair->key = NULL;
    pair->value = NULL;
}

static char *normalized_key(const char *start, size_t length)
{
    char *key = malloc(length + 1);
    if (!key)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < length; i++)
        if (!isspace((unsigned char)start[i]))
            key[used++] = (char)tolower((unsigned char)start[i]);
    key[used] = '\0';
    return key;
}

/* A value in quotes (" or '); a doubled quote stands for one. *cursor is on the opening quote;
 * it is left after the closing one. NULL when unterminated or out of memory. */
static char *quoted_value(const char **cursor)
{
    const char *p = *cursor;
    char quote = *p++;
    char *value = malloc(strlen(p) + 1);
    if (!value)
        return NULL;
    size_t used = 0;
    for (;;) {
        if (!*p) {
            free(value);
            return NULL;
        }
        if (*p == quote) {
            if (p[1] != quote)
                break;
            p++;
        }
        value[used++] = *p++;
    }
    value[used] = '\0';
    *cursor = p + 1;
    return value;
}

static char *unquoted_value(const char **cursor)
{
    const char *start = *cursor;
    size_t length = strcspn(start, ";");
    *cursor = start + length;
    while (length > 0 && isspace((unsigned char)start[length - 1]))
        length--;
    return strndup(start, length);
}

/* Read the next Key=Value pair. Returns 1 with pair filled, 0 at the end, -1 on a problem. */
static int next_pair(const char **cursor, dotnet_pair *pair, char *problem)
{
    const char *p = *cursor;
    while (*p == ';' || isspace((unsigned char)*p))
        p++;
    if (!*p)
        return 0;
    size_t key_length = strcspn(p, "=;");
    if (p[key_length] != '=') {
        set_problem(problem, "the connection string has a part without '=' (expected Key=Value "
                             "pairs separated by ';')");
        return -1;
    }
    pair->key = normalized_key(p, key_length);
    if (!pair->key) {
        set_problem(problem, "out of memory");
        return -1;
    }
    if (!pair->key[0]) {
        set_problem(problem, "the connection string has a value without a key");
        return -1;
    }
    p += key_length + 1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"' || *p == '\'') {
        pair->value = quoted_value(&p);
        if (!pair->value) {
            set_problem(problem, "the value of key \"%s\" has no closing quote", pair->key);
            return -1;
        }
        while (isspace((unsigned char)*p))
            p++;
        if (*p && *p != ';') {
            set_problem(problem, "unexpected text after the quoted value of key \"%s\"", pair->key);
            return -1;
        }
    } else {
        pair->value = unquoted_value(&p);
        if (!pair->value) {
            set_problem(problem, "out of memory");
            return -1;
        }
    }
    *cursor = p;
    return 1;
}

static const key_mapping *find_key(const char *key)
{
    for (size_t i = 0; i < sizeof key_mappings / sizeof key_mappings[0]; i++)
        if (!strcmp(key_mappings[i].key, key))
            return &key_mappings[i];
    return NULL;
}

/* Translate an Npgsql enum value (any case, '-'/'_' ignored); NULL when unknown. */
static const char *translate_value(const value_mapping *values, const char *value)
{
    char simple[32];
    size_t used = 0;
    for (const char *p = value; *p; p++) {
        if (*p == '-' || *p == '_' || isspace((unsigned char)*p))
            continue;
        if (used + 1 >= sizeof simple)
            return NULL;
        simple[used++] = (char)tolower((unsigned char)*p);
    }
    simple[used] = '\0';
    for (size_t i = 0; values[i].npgsql; i++)
        if (!strcmp(values[i].npgsql, simple))
            return values[i].libpq;
    return NULL;
}

static const value_mapping *enum_values_for(slot target)
{
    switch (target) {
    case SLOT_SSLMODE:
        return sslmode_values;
    case SLOT_CHANNEL_BINDING:
        return channel_binding_values;
    case SLOT_KEEPALIVES:
        return keepalive_values;
    case SLOT_TARGET_SESSION_ATTRS:
        return session_attrs_values;
    default:
        return NULL;
    }
}

static bool all_digits(const char *text)
{
    if (!*text)
        return false;
    for (; *text; text++)
        if (!isdigit((unsigned char)*text))
            return false;
    return true;
}

static bool looks_like_key_name(const char *key)
{
    size_t length = strlen(key);
    if (length < 2 || length > 40)
        return false;
    for (const char *p = key; *p; p++)
        if (!islower((unsigned char)*p))
            return false;
    return true;
}

/* Store one pair's value in its slot (the last occurrence of a key wins, as in .NET). */
static int store_pair(char *slots[SLOT_COUNT], dotnet_pair *pair, char *problem)
{
    const key_mapping *mapping = find_key(pair->key);
    if (!mapping) {
        /* A misplaced ';' in a password can make part of it look like a key: name the key only
         * when it looks like a key name. */
        if (looks_like_key_name(pair->key))
            set_problem(problem, "unknown key \"%s\" in the PostgreSQL connection string",
                        pair->key);
        else
            set_problem(problem, "the PostgreSQL connection string has an unknown key (not shown: "
                                 "it may be part of a password with an unquoted ';')");
        return -1;
    }
    if (mapping->target == SLOT_IGNORED)
        return 0;
    if (mapping->target == SLOT_CONNECT_TIMEOUT && !all_digits(pair->value)) {
        set_problem(problem, "key \"%s\" must be a whole number of seconds", pair->key);
        return -1;
    }
    const value_mapping *values = enum_values_for(mapping->target);
    char *value = pair->value;
    if (values) {
        const char *translated = translate_value(values, pair->value);
        if (!translated) {
            set_problem(problem, "unsupported value for key \"%s\"", pair->key);
            return -1;
        }
        value = strdup(translated);
        if (!value) {
            set_problem(problem, "out of memory");
            return -1;
        }
        free(pair->value);
    }
    pair->value = NULL;
    free(slots[mapping->target]);
    slots[mapping->target] = value;
    return 0;
}

/* The builders below append without checking each step: buf errors are sticky, so one check
 * of the finished buffer (buf_detach() returning NULL) covers every append. */
static void append_quoted(buf *out, const char *keyword, const char *value)
{
    if (out->length > 0)
        buf_append_str(out, " ");
    buf_printf(out, "%s='", keyword);
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '\'')
            buf_append(out, "\\", 1);
        buf_append(out, p, 1);
    }
    buf_append_str(out, "'");
}

/* Append "-c name=value" to a server options string, escaping spaces and backslashes as
 * libpq's options parser expects. */
static void append_server_option(buf *options, const char *name, const char *value)
{
    if (options->length > 0)
        buf_append_str(options, " ");
    buf_printf(options, "-c %s=", name);
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || isspace((unsigned char)*p))
            buf_append(options, "\\", 1);
        buf_append(options, p, 1);
    }
}

/* The options keyword's value: given options plus search_path and TimeZone. NULL when out of
 * memory. */
static char *combined_options(char *slots[SLOT_COUNT])
{
    buf options;
    buf_init(&options, 0);
    if (slots[SLOT_OPTIONS] && slots[SLOT_OPTIONS][0])
        buf_append_str(&options, slots[SLOT_OPTIONS]);
    if (slots[SLOT_SEARCH_PATH])
        append_server_option(&options, "search_path", slots[SLOT_SEARCH_PATH]);
    if (slots[SLOT_TIMEZONE])
        append_server_option(&options, "TimeZone", slots[SLOT_TIMEZONE]);
    return buf_detach(&options);
}

/* Does a Host entry end in ":digits"? Sets *host_length to the length before the colon. */
static bool entry_has_port(const char *entry, size_t length, size_t *host_length)
{
    *host_length = length;
    if (length == 0 || entry[0] == '[' || entry[0] == '/')
        return false;
    const char *colon = memchr(entry, ':', length);
    if (!colon)
        return false;
    size_t at = (size_t)(colon - entry);
    if (at + 1 >= length)
        return false;
    for (size_t i = at + 1; i < length; i++)
        if (!isdigit((unsigned char)entry[i]))
            return false;
    *host_length = at;
    return true;
}

static void append_host_entry(buf *hosts, buf *ports, const char *entry, size_t length,
                              const char *default_port, bool *any_port)
{
    size_t host_length = 0;
    bool has_port = entry_has_port(entry, length, &host_length);
    *any_port = *any_port || has_port;
    buf_append(hosts, entry, host_length);
    if (has_port)
        buf_append(ports, entry + host_length + 1, length - host_length - 1);
    else
        buf_append_str(ports, default_port);
}

/* Npgsql lets each Host entry carry its own port ("db1:5432,db2:5433"); libpq wants parallel
 * host and port lists. Rewrites slots[SLOT_HOST] and slots[SLOT_PORT] when any entry has one.
 * Returns 0, or -1 when out of memory (slots unchanged). */
static int split_host_ports(char *slots[SLOT_COUNT])
{
    const char *entry = slots[SLOT_HOST];
    if (!entry || !strchr(entry, ':'))
        return 0;
    const char *default_port = slots[SLOT_PORT] ? slots[SLOT_PORT] : "5432";
    buf hosts, ports;
    buf_init(&hosts, 0);
    buf_init(&ports, 0);
    bool any_port = false;
    for (;;) {
        size_t length = strcspn(entry, ",");
        if (entry != slots[SLOT_HOST]) {
            buf_append_str(&hosts, ",");
            buf_append_str(&ports, ",");
        }
        append_host_entry(&hosts, &ports, entry, length, default_port, &any_port);
        if (!entry[length])
            break;
        entry += length + 1;
    }
    char *host_text = buf_detach(&hosts);
    char *port_text = buf_detach(&ports);
    if (!host_text || !port_text || !any_port) {
        free(host_text);
        free(port_text);
        return host_text && port_text ? 0 : -1;
    }
    free(slots[SLOT_HOST]);
    free(slots[SLOT_PORT]);
    slots[SLOT_HOST] = host_text;
    slots[SLOT_PORT] = port_text;
    return 0;
}

static char *write_conninfo(char *slots[SLOT_COUNT])
{
    char *options = combined_options(slots);
    if (!options)
        return NULL;
    buf out;
    buf_init(&out, 0);
    for (int i = 0; i < SLOT_COUNT; i++) {
        if (i == SLOT_SEARCH_PATH || i == SLOT_TIMEZONE)
            continue;
        const char *value = i == SLOT_OPTIONS ? (options[0] ? options : NULL) : slots[i];
        if (value)
            append_quoted(&out, slot_keywords[i], value);
    }
    free(options);
    return buf_detach(&out);
}

static int convert_dotnet(const char *setting, char **out, char *problem)
{
    char *slots[SLOT_COUNT] = {0};
    const char *cursor = setting;
    int rc = 0;
    for (;;) {
        dotnet_pair pair = {0};
        int found = next_pair(&cursor, &pair, problem);
        if (found == 1)
            rc = store_pair(slots, &pair, problem);
        else
            rc = found;
        pair_free(&pair);
        if (found != 1 || rc != 0)
            break;
    }
    if (rc == 0 && split_host_ports(slots) != 0) {
        set_problem(problem, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        *out = write_conninfo(slots);
        if (!*out) {
            set_problem(problem, "out of memory");
            rc = -1;
        }
    }
    for (int i = 0; i < SLOT_COUNT; i++)
        free(slots[i]);
    return rc;
}

int pg_conninfo_from_setting(const char *setting, char **out,
                             char problem[PG_CONNINFO_PROBLEM_SIZE])
{
    *out = NULL;
    if (problem)
        problem[0] = '\0';
    if (!setting) {
        set_problem(problem, "no PostgreSQL connection string is set");
        return -1;
    }
    const char *start = setting;
    while (isspace((unsigned char)*start))
        start++;
    if (!*start) {
        set_problem(problem, "the PostgreSQL connection string is empty");
        return -1;
    }
    if (starts_with(start, "postgresql://") || starts_with(start, "postgres://") ||
        is_libpq_keywords(start)) {
        *out = strdup(setting);
        if (!*out) {
            set_problem(problem, "out of memory");
            return -1;
        }
        return 0;
    }
    return convert_dotnet(start, out, problem);
}
