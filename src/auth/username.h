/* username.h - usernames are identifiers, not free text: the rule of RFC 8265's
 * UsernameCaseMapped profile, with ICU for every piece of Unicode data.
 *
 * username_prepare() turns what a person typed into the form that is stored and the key it is
 * unique by, or refuses it:
 *   1. leading and trailing White_Space is trimmed; nothing left -> 400 user_username_required;
 *   2. control (Cc), format (Cf: bidi overrides, zero-width space/joiner ...), space and line
 *      separators, other White_Space, default-ignorable (e.g. U+3164 HANGUL FILLER),
 *      private-use, unassigned and noncharacter code points are refused, before and after
 *      normalisation -> 400 user_username_invalid naming the code point;
 *   3. NFKC: fullwidth and halfwidth forms, ligatures and other compatibility characters become
 *      their plain letters ("ＡＢＣ" -> "ABC");
 *   4. USERNAME_LOWER_CASE (the API and the CLI) lower-cases with Unicode's full mapping and
 *      re-normalises (NFC); USERNAME_KEEP_CASE (the bootstrap SuperAdmin) keeps the case;
 *   5. at most USERNAME_MAX_CHARACTERS code points -> else 400 user_username_too_long;
 *   6. scripts may not be mixed in a way Unicode's UTS #39 calls confusable (ICU uspoof,
 *      restriction level "moderately restrictive": Latin with Cyrillic, Greek or Cherokee, or
 *      two of those, is refused; one script alone, or Latin with Han/Kana/Hangul, is fine),
 *      nor digits of two number systems, nor stacked invisible marks, nor a dot above
 *      (U+0307) on a dotted letter ("admi\u0307n", also what U+0130 lower-cases to), which
 *      does not show -> 400 user_username_invalid.
 * The key is the upper case of the name's NFKC_Casefold form. Case folding is Unicode's full
 * folding, so "Straße", "STRASSE" and "strasse" are one name (a conflict), like "ǅ"/"ǆ"/"Ǆ".
 * For ASCII names the key is the name in ASCII upper case, which is what the earlier rule
 * stored, so those rows compare the same under both rules.
 *
 * username_legacy_key() is that earlier rule (trim, ASCII letters upper-cased, everything else
 * byte for byte): rows written before this module keep their key, and sign-in still finds them
 * by it (see user_store_find_by_keys). Thread-safe: the only state is ICU's spoof checker,
 * opened on first use and shared by every thread for the life of the process. */
#ifndef NH_AUTH_USERNAME_H
#define NH_AUTH_USERNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define USERNAME_MAX_CHARACTERS 128
#define USERNAME_MAX_BYTES (USERNAME_MAX_CHARACTERS * 4)
/* Full case folding and upper-casing may each triple a character. */
#define USERNAME_KEY_MAX_BYTES (USERNAME_MAX_BYTES * 9)

typedef enum { USERNAME_LOWER_CASE = 0, USERNAME_KEEP_CASE } username_case;

typedef struct username_form {
    char name[USERNAME_MAX_BYTES + 1];    /* stored and shown */
    char key[USERNAME_KEY_MAX_BYTES + 1]; /* what names are unique by and compared with */
} username_form;

/* 0 with *out filled, or -1 with err: 400 user_username_required, user_username_too_long,
 * user_username_invalid (the message says why), or 500 when ICU fails. input may be NULL. */
int username_prepare(const char *input, username_case mode, username_form *out, nh_error *err);

/* The keys a typed name (sign-in, the CLI) is looked up by. */
typedef struct username_keys {
    char key[USERNAME_KEY_MAX_BYTES + 1]; /* today's rule; "" when the rule refuses the name */
    char legacy[USERNAME_MAX_BYTES + 1];  /* the earlier rule; "" when too long for any row */
} username_keys;

/* Fill *out. A name today's rule refuses may still be a row stored under the earlier rule, so
 * refusal is not an error here: -1 only when ICU fails (err filled, 500). */
int username_lookup_keys(const char *input, username_keys *out, nh_error *err);

/* The key the earlier rule stored: input trimmed, ASCII letters upper-cased. -1 (out = "") when
 * it does not fit in size bytes. */
int username_legacy_key(const char *input, char *out, size_t size);

#endif
