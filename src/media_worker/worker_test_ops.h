/* worker_test_ops.h - operations that exist only in test builds (NEKOHUB_TEST_BUILD): they
 * let black-box tests check the sandbox from inside the worker. In a release build this header
 * declares nothing and worker_test_ops.c compiles to nothing, so a release worker answers
 * MEDIA_STATUS_UNSUPPORTED to these operation codes.
 *
 * worker_test_op_run(): MEDIA_OP_TEST_CRASH dies of SIGABRT; MEDIA_OP_TEST_HANG never returns;
 * MEDIA_OP_TEST_SOCKET tries socket(AF_INET) and MEDIA_OP_TEST_CREATE tries to create a file
 * in the temp directory, and both report what happened in reply (status FAILED, code
 * "media_test_result", message e.g. "socket: refused (EPERM)"). 1 when operation is not a
 * test operation. */
#ifndef NH_WORKER_TEST_OPS_H
#define NH_WORKER_TEST_OPS_H

#include "media/media_protocol.h"

#ifdef NEKOHUB_TEST_BUILD
int worker_test_op_run(uint16_t operation, media_reply *reply);
#endif

#endif
