/* username.c - the username rule (RFC 8265 UsernameCaseMapped) on ICU: character classes,
 * NFKC, case mapping, case folding and UTS #39 mixed-script detection. */
#include "auth/username.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "core/text.h"

/* Longer trimmed input is refused as too long before any Unicode work (NFKC can compose a few
 * code points into one, never 16 bytes into one character). */
#define USERNAME_INPUT_MAX_BYTES (USERNAME_MAX_BYTES * 4)

/* UTF-16 text owned by the holder (ICU works in UTF-16). */
typedef struct wide_text {
    UChar *text;
    int32_t length;
} wide_text;

static void wide_free(wide_text *text)
{
    free(text->text);
    text->text = NULL;
    text->length = 0;
}

/* One ICU string transformation: the usual preflight-then-fill calling convention. */
typedef int32_t (*wide_transform)(const void *context, UChar *out, int32_t capacity,
                                  const UChar *in, int32_t length, UErrorCode *status);

static int32_t normalize(const void *context, UChar *out, int32_t capacity, const UChar *in,
                         int32_t length, UErrorCode *status)
{
    return unorm2_normalize(context, in, length, out, capacity, status);
}

static int32_t to_lower(const void *context, UChar *out, int32_t capacity, const UChar *in,
                        int32_t length, UErrorCode *status)
{
    return u_strToLower(out, capacity, in, length, "", status);
}

static int32_t to_upper(const void *context, UChar *out, int32_t capacity, const UChar *in,
                        int32_t length, UErrorCode *status)
{
    return u_strToUpper(out, capacity, in, length, "", status);
}

/* *out = transform(in), allocated to size. -1 on an ICU failure or out of memory. */
static int transform(wide_transform function, const void *context, const wide_text *in,
                     wide_text *out)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = function(context, NULL, 0, in->text, in->length, &status);
    if (U_FAILURE(status) && status != U_BUFFER_OVERFLOW_ERROR)
        return -1;
    out->text = malloc(((size_t)needed + 1) * sizeof *out->text);
    if (!out->text)
        return -1;
    status = U_ZERO_ERROR;
    out->length = function(context, out->text, needed + 1, in->text, in->length, &status);
    if (U_FAILURE(status)) {
        wide_free(out);
        return -1;
    }
    return 0;
}

/* UTF-8 source text for decode_utf8 (the transform's own input is unused). */
typedef struct utf8_text {
    const char *text;
    int32_t length;
} utf8_text;

static int32_t decode_utf8(const void *context, UChar *out, int32_t capacity, const UChar *in,
                           int32_t length, UErrorCode *status)
{
    const utf8_text *source = context;
    int32_t needed = 0;
    u_strFromUTF8(out, capacity, &needed, source->text, source->length, status);
    return needed;
}

static int from_utf8(const char *text, size_t length, wide_text *out)
{
    utf8_text source = {.text = text, .length = (int32_t)length};
    wide_text none = {0};
    return transform(decode_utf8, &source, &none, out);
}

/* UTF-8 of text into out (NUL-terminated); 1 when it does not fit, -1 when ICU fails. */
static int to_utf8(const wide_text *text, char *out, size_t size)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t written = 0;
    u_strToUTF8(out, (int32_t)size, &written, text->text, text->length, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING ||
        (size_t)written >= size)
        return 1;
    return U_FAILURE(status) ? -1 : 0;
}

/* ---- characters ------------------------------------------------------------------------ */

typedef enum {
    CHARACTER_ALLOWED = 0,
    CHARACTER_CONTROL,
    CHARACTER_FORMAT,
    CHARACTER_SPACE,
    CHARACTER_INVISIBLE,
    CHARACTER_UNASSIGNED,
} character_class;

static character_class classify(UChar32 c)
{
    switch (u_charType(c)) {
    case U_CONTROL_CHAR:
        return CHARACTER_CONTROL;
    case U_FORMAT_CHAR:
        return CHARACTER_FORMAT;
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
        return CHARACTER_SPACE;
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
    case U_UNASSIGNED:
        return CHARACTER_UNASSIGNED;
    default:
        break;
    }
    if (u_hasBinaryProperty(c, UCHAR_WHITE_SPACE))
        return CHARACTER_SPACE;
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
        return CHARACTER_INVISIBLE;
    if (u_hasBinaryProperty(c, UCHAR_NONCHARACTER_CODE_POINT))
        return CHARACTER_UNASSIGNED;
    return CHARACTER_ALLOWED;
}

static int refuse_character(character_class kind, UChar32 c, nh_error *err)
{
    static const char *const reasons[] = {
        [CHARACTER_CONTROL] = "control characters",
        [CHARACTER_FORMAT] = "invisible formatting characters (direction overrides, zero-width "
                             "spaces and joiners ...)",
        [CHARACTER_SPACE] = "spaces",
        [CHARACTER_INVISIBLE] = "invisible characters",
        [CHARACTER_UNASSIGNED] = "unassigned or private-use characters",
    };
    return error_set(err, 400, "user_username_invalid",
                     "A username cannot contain %s (U+%04X found).", reasons[kind], (unsigned)c);
}

/* The first character that is not allowed in a username, refused; 0 when there is none. */
static int check_characters(const wide_text *text, nh_error *err)
{
    for (int32_t i = 0; i < text->length;) {
        UChar32 c;
        U16_NEXT(text->text, i, text->length, c);
        character_class kind = classify(c);
        if (kind != CHARACTER_ALLOWED)
            return refuse_character(kind, c, err);
    }
    return 0;
}

/* A dot above (U+0307) on a soft-dotted letter (i, j ...) with no other mark above between
 * them does not show: "admi\u0307n" looks like "admin" (UTS #39 section 5.4), and
 * lower-casing makes exactly that of U+0130. Refused; 0 when there is none. */
static int check_hidden_dot(const wide_text *name, nh_error *err)
{
    bool dotted = false;
    for (int32_t i = 0; i < name->length;) {
        UChar32 c;
        U16_NEXT(name->text, i, name->length, c);
        uint8_t combining = u_getCombiningClass(c);
        if (c == 0x0307 && dotted)
            return error_set(err, 400, "user_username_invalid",
                             "A username cannot put a dot above (U+0307) on a letter that "
                             "already has one: it does not show.");
        if (combining == 0)
            dotted = u_hasBinaryProperty(c, UCHAR_SOFT_DOTTED);
        else if (combining == 230) /* another mark above: the dot then shows on top of it */
            dotted = false;
    }
    return 0;
}

/* ---- scripts --------------------------------------------------------------------------- */

typedef struct script_list {
    UScriptCode seen[8];
    size_t count;
} script_list;

static void script_add(script_list *list, UScriptCode script, char *out, size_t size)
{
    if (script == USCRIPT_COMMON || script == USCRIPT_INHERITED ||
        list->count == sizeof list->seen / sizeof list->seen[0])
        return;
    for (size_t j = 0; j < list->count; j++)
        if (list->seen[j] == script)
            return;
    list->seen[list->count++] = script;
    size_t used = strlen(out);
    snprintf(out + used, size - used, "%s%s", list->count > 1 ? ", " : "", uscript_getName(script));
}

/* "Latin, Cyrillic" - the scripts of text other than Common and Inherited, by
 * Script_Extensions as uspoof judges them (a combining mark such as U+0345 counts as Greek). */
static void script_names(const wide_text *text, char *out, size_t size)
{
    script_list list = {.count = 0};
    out[0] = '\0';
    for (int32_t i = 0; i < text->length;) {
        UChar32 c;
        U16_NEXT(text->text, i, text->length, c);
        UScriptCode scripts[8];
        UErrorCode status = U_ZERO_ERROR;
        int32_t count = uscript_getScriptExtensions(c, scripts, 8, &status);
        if (U_FAILURE(status)) /* more than 8: the character is in no one script's set */
            continue;
        for (int32_t j = 0; j < count; j++)
            script_add(&list, scripts[j], out, size);
    }
}

/* The one spoof checker of the process, configured once: checks on a configured checker are
 * thread-safe (uspoof.h), so every thread shares it. NULL when ICU could not open it. */
static USpoofChecker *spoof_checker;

static void spoof_checker_open(void)
{
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker *checker = uspoof_open(&status);
    uspoof_setChecks(checker, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE | USPOOF_MIXED_NUMBERS,
                     &status);
    uspoof_setRestrictionLevel(checker, USPOOF_MODERATELY_RESTRICTIVE);
    if (U_FAILURE(status)) {
        uspoof_close(checker);
        return;
    }
    spoof_checker = checker;
}

static const USpoofChecker *shared_spoof_checker(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (pthread_once(&once, spoof_checker_open) != 0)
        return NULL;
    return spoof_checker;
}

/* UTS #39 checks of one identifier. */
static int check_scripts(const wide_text *name, nh_error *err)
{
    const USpoofChecker *checker = shared_spoof_checker();
    if (!checker)
        return error_internal(err);
    UErrorCode status = U_ZERO_ERROR;
    int32_t failed = uspoof_check2(checker, name->text, name->length, NULL, &status);
    if (U_FAILURE(status))
        return error_internal(err);
    if (failed & USPOOF_RESTRICTION_LEVEL) {
        char scripts[160];
        script_names(name, scripts, sizeof scripts);
        return error_set(err, 400, "user_username_invalid",
                         "A username cannot mix these scripts (%s): their letters look alike and "
                         "could impersonate another name.",
                         scripts);
    }
    if (failed & USPOOF_MIXED_NUMBERS)
        return error_set(err, 400, "user_username_invalid",
                         "A username cannot mix digits of different number systems.");
    if (failed)
        return error_set(err, 400, "user_username_invalid",
                         "A username cannot hold repeated or hidden combining marks.");
    return 0;
}

/* ---- the rule -------------------------------------------------------------------------- */

static int too_long(nh_error *err)
{
    return error_set(err, 400, "user_username_too_long",
                     "A username must be at most %d characters.", USERNAME_MAX_CHARACTERS);
}

/* NFKC, refusal of what NFKC produced, and the case mapping: the stored form in *name. */
static int shape_name(const wide_text *input, username_case mode, wide_text *name, nh_error *err)
{
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
    if (U_FAILURE(status) || transform(normalize, nfkc, input, name) != 0)
        return error_internal(err);
    if (check_characters(name, err) != 0)
        return -1;
    if (mode == USERNAME_KEEP_CASE)
        return 0;
    wide_text lower = {0}, composed = {0};
    int rc = transform(to_lower, NULL, name, &lower);
    if (rc == 0)
        rc = transform(normalize, nfc, &lower, &composed);
    wide_free(&lower);
    if (rc != 0)
        return error_internal(err);
    wide_free(name);
    *name = composed;
    return 0;
}

/* The key of a shaped name: upper case of NFKC_Casefold, in out (UTF-8). */
static int make_key(const wide_text *name, char *out, size_t size, nh_error *err)
{
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *folding = unorm2_getNFKCCasefoldInstance(&status);
    wide_text folded = {0}, upper = {0};
    int rc = U_FAILURE(status) ? -1 : transform(normalize, folding, name, &folded);
    if (rc == 0)
        rc = transform(to_upper, NULL, &folded, &upper);
    if (rc == 0)
        rc = to_utf8(&upper, out, size);
    wide_free(&folded);
    wide_free(&upper);
    if (rc > 0)
        return too_long(err);
    return rc == 0 ? 0 : error_internal(err);
}

static int prepare_wide(const wide_text *input, username_case mode, username_form *out,
                        nh_error *err)
{
    if (check_characters(input, err) != 0)
        return -1;
    wide_text name = {0};
    int rc = shape_name(input, mode, &name, err);
    if (rc == 0 && u_countChar32(name.text, name.length) > USERNAME_MAX_CHARACTERS)
        rc = too_long(err);
    if (rc == 0)
        rc = check_scripts(&name, err);
    if (rc == 0)
        rc = check_hidden_dot(&name, err);
    if (rc == 0) {
        int fits = to_utf8(&name, out->name, sizeof out->name);
        rc = fits > 0 ? too_long(err) : fits < 0 ? error_internal(err) : 0;
    }
    if (rc == 0)
        rc = make_key(&name, out->key, sizeof out->key, err);
    wide_free(&name);
    return rc;
}

int username_prepare(const char *input, username_case mode, username_form *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    if (text_is_blank(input))
        return error_set(err, 400, "user_username_required", "A username is required.");
    if (!text_is_utf8(input))
        return error_set(err, 400, "user_username_invalid", "A username must be UTF-8 text.");
    size_t start = 0, end = 0;
    text_trim_bounds(input, strlen(input), &start, &end);
    if (end - start > USERNAME_INPUT_MAX_BYTES)
        return too_long(err);
    wide_text wide = {0};
    if (from_utf8(input + start, end - start, &wide) != 0)
        return error_internal(err);
    int rc = prepare_wide(&wide, mode, out, err);
    wide_free(&wide);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

int username_legacy_key(const char *input, char *out, size_t size)
{
    size_t start = 0, end = 0;
    out[0] = '\0';
    text_trim_bounds(input, strlen(input), &start, &end);
    if (end - start >= size)
        return -1;
    for (size_t i = start; i < end; i++) {
        char c = input[i];
        out[i - start] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    out[end - start] = '\0';
    return 0;
}

int username_lookup_keys(const char *input, username_keys *out, nh_error *err)
{
    username_form form;
    nh_error refusal;
    out->key[0] = '\0';
    if (username_prepare(input, USERNAME_LOWER_CASE, &form, &refusal) == 0)
        memcpy(out->key, form.key, sizeof out->key);
    else if (refusal.status >= 500)
        return error_internal(err);
    if (!input || username_legacy_key(input, out->legacy, sizeof out->legacy) != 0)
        out->legacy[0] = '\0';
    return 0;
}
