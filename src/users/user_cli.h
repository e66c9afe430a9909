/* user_cli.h - break-glass account commands that work without the HTTP API:
 *   nekohub user create --username U --role admin|user
 *   nekohub user reset-password --username U
 *   nekohub user list
 * Passwords are read from standard input (a prompt without echo on a terminal, else the first
 * line), never from the command line. The same validation as the API applies, and the changes
 * are recorded in the audit log with a "system" actor. */
#ifndef NH_USERS_USER_CLI_H
#define NH_USERS_USER_CLI_H

#include "auth/auth_context.h"

/* Run one subcommand with the auth context (configuration, database, password hashing) started.
 * Returns the process exit status. */
int user_cli_run(const auth_context *auth, const char *subcommand, const char *username,
                 const char *role);

#endif
