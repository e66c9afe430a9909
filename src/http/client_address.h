/* client_address.h - who the client is: the peer address, or, when the peer is a trusted
 * reverse proxy (Server__TrustedProxies), the address it forwarded in X-Forwarded-For or
 * Forwarded.
 *
 * The forwarded list is read from the right (the entry the nearest proxy added) leftwards,
 * skipping addresses that are themselves trusted proxies; the first untrusted address is the
 * client. Entries that are not IP addresses end the walk (the address before them is used).
 * A peer that is not trusted is the client, whatever headers it sends. */
#ifndef NH_HTTP_CLIENT_ADDRESS_H
#define NH_HTTP_CLIENT_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CLIENT_ADDRESS_TEXT_SIZE 64
#define CLIENT_ADDRESS_MAX_NETWORKS 32

typedef struct ip_network {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char bytes[16]; /* network address */
    unsigned int prefix;     /* bits */
} ip_network;

typedef struct trusted_proxies {
    ip_network networks[CLIENT_ADDRESS_MAX_NETWORKS];
    size_t count;
} trusted_proxies;

/* Parse addresses and CIDR blocks ("10.0.0.0/8", "::1", "127.0.0.1"). Returns -1 and names
 * the bad entry in problem (size bytes) when one is not an address or block. */
int trusted_proxies_parse(const char *const *items, size_t count, trusted_proxies *out,
                          char *problem, size_t size);

/* The peer as a key for counting its connections (a family byte, then the address as it came,
 * zero-padded). False when the peer is not IP or is a trusted proxy (its connections carry
 * many clients, so they are not counted against one). */
#define CLIENT_ADDRESS_KEY_SIZE 17
bool client_address_peer_key(const trusted_proxies *proxies, const struct sockaddr *peer,
                             unsigned char key[CLIENT_ADDRESS_KEY_SIZE]);

/* Is the peer a trusted proxy (its forwarded headers are believed)? False when not IP. */
bool client_address_peer_trusted(const trusted_proxies *proxies, const struct sockaddr *peer);

/* A request header's value (all its lines joined by commas) for the caller to free, or NULL
 * when there is none or it could not be read. */
typedef char *(*client_address_header)(void *closure, const char *name);

/* The client's address as text (out holds CLIENT_ADDRESS_TEXT_SIZE bytes; "unknown" when the
 * peer address is not IP). header(closure, name) is called only when the peer is a trusted
 * proxy: for X-Forwarded-For, then for Forwarded when the first named no address. */
void client_address_resolve(const trusted_proxies *proxies, const struct sockaddr *peer,
                            client_address_header header, void *closure, char *out);

#endif
