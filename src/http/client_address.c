/* client_address.c - trusted proxies and forwarded client addresses. */
#include "http/client_address.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct ip_address {
    int family;
    unsigned char bytes[16];
} ip_address;

static size_t address_length(int family)
{
    return family == AF_INET ? 4 : 16;
}

static bool parse_address(const char *text, ip_address *out)
{
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        out->family = AF_INET6;
        return true;
    }
    return false;
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) compares as IPv4. */
static void unmap(ip_address *address)
{
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (address->family == AF_INET6 && !memcmp(address->bytes, prefix, sizeof prefix)) {
        memmove(address->bytes, address->bytes + 12, 4);
        address->family = AF_INET;
    }
}

static int parse_network(const char *item, ip_network *out)
{
    char text[CLIENT_ADDRESS_TEXT_SIZE];
    if (snprintf(text, sizeof text, "%s", item) >= (int)sizeof text)
        return -1;
    char *slash = strchr(text, '/');
    if (slash)
        *slash = '\0';
    ip_address address;
    if (!parse_address(text, &address))
        return -1;
    unmap(&address);
    unsigned int bits = (unsigned int)address_length(address.family) * 8;
    unsigned int prefix = bits;
    if (slash) {
        char *end;
        long value = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || value < 0 || value > (long)bits)
            return -1;
        prefix = (unsigned int)value;
    }
    out->family = address.family;
    memcpy(out->bytes, address.bytes, sizeof out->bytes);
    out->prefix = prefix;
    return 0;
}

int trusted_proxies_parse(const char *const *items, size_t count, trusted_proxies *out,
                          char *problem, size_t size)
{
    memset(out, 0, sizeof *out);
    if (count > CLIENT_ADDRESS_MAX_NETWORKS) {
        snprintf(problem, size, "at most %d entries", CLIENT_ADDRESS_MAX_NETWORKS);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (parse_network(items[i], &out->networks[i]) != 0) {
            snprintf(problem, size, "\"%.64s\" is not an IP address or CIDR block", items[i]);
            return -1;
        }
    }
    out->count = count;
    return 0;
}

static bool network_contains(const ip_network *network, const ip_address *address)
{
    if (network->family != address->family)
        return false;
    unsigned int full = network->prefix / 8;
    unsigned int rest = network->prefix % 8;
    if (memcmp(network->bytes, address->bytes, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (network->bytes[full] & mask) == (address->bytes[full] & mask);
}

static bool is_trusted(const trusted_proxies *proxies, const ip_address *address)
{
    for (size_t i = 0; i < proxies->count; i++)
        if (network_contains(&proxies->networks[i], address))
            return true;
    return false;
}

static bool peer_address(const struct sockaddr *peer, ip_address *out)
{
    if (!peer)
        return false;
    if (peer->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)peer;
        out->family = AF_INET;
        memcpy(out->bytes, &v4->sin_addr, 4);
        return true;
    }
    if (peer->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)peer;
        out->family = AF_INET6;
        memcpy(out->bytes, &v6->sin6_addr, 16);
        return true;
    }
    return false;
}

/* One forwarded entry (trimmed, maybe quoted, maybe "[v6]:port" or "v4:port") as an address. */
static bool parse_forwarded_entry(const char *start, size_t length, ip_address *out)
{
    while (length > 0 && isspace((unsigned char)*start)) {
        start++;
        length--;
    }
    while (length > 0 && isspace((unsigned char)start[length - 1]))
        length--;
    if (length >= 2 && start[0] == '"' && start[length - 1] == '"') {
        start++;
        length -= 2;
    }
    char text[CLIENT_ADDRESS_TEXT_SIZE];
    if (length == 0 || length >= sizeof text)
        return false;
    memcpy(text, start, length);
    text[length] = '\0';
    char *host = text;
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (!close)
            return false;
        *close = '\0';
        host++;
    } else {
        char *colon = strchr(host, ':');
        if (colon && !strchr(colon + 1, ':'))
            *colon = '\0'; /* "v4:port" */
    }
    if (!parse_address(host, out))
        return false;
    unmap(out);
    return true;
}

/* The "for=" values of a Forwarded header as a comma-separated list (never longer than the
 * header: each value loses at least its "for=" and gains at most one comma). The caller frees
 * it; NULL when memory ran out. The whole header is kept: its right end is what the nearest
 * proxy added, so cutting it short would leave only what the client wrote. */
static char *forwarded_for_values(const char *header)
{
    char *out = malloc(strlen(header) + 1);
    if (!out)
        return NULL;
    size_t used = 0;
    for (const char *c = header; *c;) {
        while (*c == ' ' || *c == ';' || *c == ',' || *c == '\t')
            c++;
        size_t length = strcspn(c, ";,");
        if (length > 4 && !strncasecmp(c, "for=", 4)) {
            if (used > 0)
                out[used++] = ',';
            memcpy(out + used, c + 4, length - 4);
            used += length - 4;
        }
        c += length;
    }
    out[used] = '\0';
    return out;
}

/* Walk a comma-separated list from the right; the first untrusted address wins. */
static bool client_from_list(const trusted_proxies *proxies, const char *list, ip_address *out)
{
    bool found = false;
    size_t end = strlen(list);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && list[start - 1] != ',')
            start--;
        ip_address candidate;
        if (!parse_forwarded_entry(list + start, end - start, &candidate))
            return found;
        *out = candidate;
        found = true;
        if (!is_trusted(proxies, &candidate))
            return true;
        end = start > 0 ? start - 1 : 0;
    }
    return found;
}

bool client_address_peer_key(const trusted_proxies *proxies, const struct sockaddr *peer,
                             unsigned char key[CLIENT_ADDRESS_KEY_SIZE])
{
    ip_address address;
    if (!peer_address(peer, &address))
        return false;
    memset(key, 0, CLIENT_ADDRESS_KEY_SIZE);
    key[0] = address.family == AF_INET ? 4 : 6;
    memcpy(key + 1, address.bytes, address_length(address.family));
    unmap(&address);
    return !(proxies && proxies->count > 0 && is_trusted(proxies, &address));
}

bool client_address_peer_trusted(const trusted_proxies *proxies, const struct sockaddr *peer)
{
    ip_address address;
    if (!proxies || proxies->count == 0 || !peer_address(peer, &address))
        return false;
    unmap(&address);
    return is_trusted(proxies, &address);
}

static void address_text(const ip_address *address, char *out)
{
    if (!inet_ntop(address->family, address->bytes, out, CLIENT_ADDRESS_TEXT_SIZE))
        snprintf(out, CLIENT_ADDRESS_TEXT_SIZE, "unknown");
}

/* The client named by the trusted peer's forwarded headers: X-Forwarded-For, else Forwarded
 * (read only when the first gave no address). */
static bool forwarded_client(const trusted_proxies *proxies, client_address_header header,
                             void *closure, ip_address *out)
{
    char *forwarded_for = header(closure, "X-Forwarded-For");
    bool found = forwarded_for && client_from_list(proxies, forwarded_for, out);
    free(forwarded_for);
    if (found)
        return true;
    char *forwarded = header(closure, "Forwarded");
    char *values = forwarded ? forwarded_for_values(forwarded) : NULL;
    found = values && client_from_list(proxies, values, out);
    free(values);
    free(forwarded);
    return found;
}

void client_address_resolve(const trusted_proxies *proxies, const struct sockaddr *peer,
                            client_address_header header, void *closure, char *out)
{
    ip_address address;
    if (!peer_address(peer, &address)) {
        snprintf(out, CLIENT_ADDRESS_TEXT_SIZE, "unknown");
        return;
    }
    ip_address compared = address;
    unmap(&compared);
    ip_address forwarded;
    if (proxies && proxies->count > 0 && is_trusted(proxies, &compared) &&
        forwarded_client(proxies, header, closure, &forwarded)) {
        address_text(&forwarded, out);
        return;
    }
    address_text(&address, out);
}
