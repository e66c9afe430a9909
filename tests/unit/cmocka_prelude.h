/* cmocka_prelude.h - the headers cmocka needs before <cmocka.h>, in one place. */
#ifndef NH_TEST_CMOCKA_PRELUDE_H
#define NH_TEST_CMOCKA_PRELUDE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#endif
