/* user_cli.c - the `nekohub user ...` commands. */
#include "users/user_cli.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unicode/uchar.h>
#include <unistd.h>

#include "auth/password.h"
#include "auth/permissions.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/utf8.h"
#include "auth/user_store.h"
#include "users/users.h"

#define PASSWORD_INPUT_MAX (PASSWORD_MAX_BYTES + 2)

/* Read one line (without its newline) into out; false on end of input or an over-long line. */
static bool read_line(FILE *input, char *out, size_t size)
{
    if (!fgets(out, (int)size, input))
        return false;
    size_t length = strlen(out);
    if (length > 0 && out[length - 1] == '\n') {
        out[--length] = '\0';
        if (length > 0 && out[length - 1] == '\r')
            out[--length] = '\0';
        return true;
    }
    return feof(input) != 0; /* last line without newline is fine; a cut line is not */
}

static bool prompt_hidden(const char *question, char *out, size_t size)
{
    struct termios saved, hidden;
    fputs(question, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &saved) != 0)
        return false;
    hidden = saved;
    hidden.c_lflag &= (tcflag_t)~ECHO;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden) != 0) {
        fputs("\nnekohub: cannot turn off echo; pipe the password on standard input\n", stderr);
        return false;
    }
    bool ok = read_line(stdin, out, size);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) != 0)
        fputs("\nnekohub: the terminal's echo could not be turned back on (run `stty echo`)",
              stderr);
    fputc('\n', stderr);
    return ok;
}

static bool read_password(char *out, size_t size)
{
    if (!isatty(STDIN_FILENO))
        return read_line(stdin, out, size);
    char confirmation[PASSWORD_INPUT_MAX];
    if (!prompt_hidden("New password: ", out, size) ||
        !prompt_hidden("Repeat it: ", confirmation, sizeof confirmation))
        return false;
    bool same = strcmp(out, confirmation) == 0;
    sodium_memzero(confirmation, sizeof confirmation);
    if (!same)
        fputs("nekohub: the passwords differ\n", stderr);
    return same;
}

/* Would today's username rule refuse this stored name? Then note says why. Bootstrap names
 * keep their case, so the case is not judged here. */
static bool refused_name(const char *username, char *note, size_t size)
{
    username_form form;
    nh_error err;
    if (username_prepare(username, USERNAME_KEEP_CASE, &form, &err) == 0)
        return false;
    snprintf(note, size, "refused by today's username rule: %s", err.message);
    return true;
}

/* Control, format (bidi overrides, zero-width ...) and separator characters would act on the
 * operator's terminal (escape sequences) or reorder the table: shown as <U+XXXX>. */
static bool shown_escaped(uint32_t c)
{
    switch (u_charType((UChar32)c)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
        return true;
    default:
        return false;
    }
}

/* A stored name made safe to print (names from before today's rule may hold anything); the
 * caller frees it. NULL when out of memory. */
static char *printable_name(const char *name)
{
    buf out;
    buf_init(&out, 0);
    size_t length = strlen(name), pos = 0;
    while (pos < length) {
        size_t start = pos;
        uint32_t c;
        if (utf8_next(name, length, &pos, &c) != 0)
            buf_printf(&out, "<0x%02X>", (unsigned char)name[pos++]);
        else if (shown_escaped(c))
            buf_printf(&out, "<U+%04X>", (unsigned)c);
        else
            buf_append(&out, name + start, pos - start);
    }
    return buf_detach(&out);
}

static int list_users(const users_service *service)
{
    nh_error err;
    db_conn *conn = db_acquire(service->database, &err);
    if (!conn) {
        fprintf(stderr, "nekohub: %s\n", err.message);
        return 1;
    }
    user_record *users = NULL;
    size_t count = 0;
    int rc = user_store_list(conn, &users, &count, &err);
    db_release(service->database, conn);
    if (rc != 0) {
        fprintf(stderr, "nekohub: %s\n", err.message);
        return 1;
    }
    printf("%-36s  %-24s  %-10s  %-8s  %-32s  %s\n", "ID", "USERNAME", "ROLE", "ACTIVE",
           "LAST LOGIN", "NOTE");
    int flagged = 0;
    for (size_t i = 0; i < count; i++) {
        char last_login[CLOCK_ISO_SIZE] = "never";
        if (users[i].last_login_at)
            clock_format_iso(users[i].last_login_at, last_login);
        char note[sizeof err.message + 64] = "";
        if (refused_name(users[i].username, note, sizeof note))
            flagged++;
        char *shown = printable_name(users[i].username);
        printf("%-36s  %-24s  %-10s  %-8s  %-32s  %s\n", users[i].id,
               shown ? shown : "(out of memory)", role_to_wire(users[i].role),
               users[i].is_active ? "yes" : "no", last_login, note);
        free(shown);
    }
    user_store_free_list(users, count);
    if (flagged)
        fprintf(stderr,
                "nekohub: %d username(s) would be refused today; they still sign in, and a rename "
                "(PATCH /api/v1/users/{id}) gives them a valid name\n",
                flagged);
    return 0;
}

static int change_with_password(const users_service *users, const char *subcommand,
                                const char *username, const char *role)
{
    if (!username) {
        fprintf(stderr, "nekohub: user %s: --username is required\n", subcommand);
        return 2;
    }
    bool create = !strcmp(subcommand, "create");
    if (create && !role) {
        fprintf(stderr, "nekohub: user create: --role is required (admin or user)\n");
        return 2;
    }
    char password[PASSWORD_INPUT_MAX];
    if (!read_password(password, sizeof password)) {
        fprintf(stderr, "nekohub: user %s: no password was given on standard input\n", subcommand);
        return 2;
    }
    nh_error err;
    int rc = create ? users_create_local(users, username, password, role, &err)
                    : users_reset_password_local(users, username, password, &err);
    sodium_memzero(password, sizeof password);
    if (rc != 0) {
        fprintf(stderr, "nekohub: user %s: %s (%s)\n", subcommand, err.message, err.code);
        return 1;
    }
    printf(create ? "created user %s\n" : "password of %s reset; its sessions are signed out\n",
           username);
    return 0;
}

int user_cli_run(const auth_context *auth, const char *subcommand, const char *username,
                 const char *role)
{
    users_service service = {.cfg = auth->cfg, .database = auth->database, .auth = auth};
    const users_service *users = &service;
    if (!subcommand) {
        fprintf(stderr, "nekohub: user: a subcommand is required (create, reset-password, "
                        "list)\n");
        return 2;
    }
    if (!strcmp(subcommand, "list"))
        return list_users(users);
    if (!strcmp(subcommand, "create") || !strcmp(subcommand, "reset-password"))
        return change_with_password(users, subcommand, username, role);
    fprintf(stderr, "nekohub: user %s: unknown subcommand (create, reset-password, list)\n",
            subcommand);
    return 2;
}
