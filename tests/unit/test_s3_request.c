/* test_s3_request.c - the pure parts of the S3 backend: endpoints, bucket names, object URLs
 * in both addressing styles with SigV4's encoding, query values, XML values, the
 * CompleteMultipartUpload body, Content-Range and HTTP dates. */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>

#include "storage/s3_request.h"

static void endpoints_are_parsed(void **state)
{
    (void)state;
    s3_endpoint endpoint;
    assert_int_equal(s3_endpoint_parse("http://127.0.0.1:4568", &endpoint), 0);
    assert_false(endpoint.https);
    assert_string_equal(endpoint.authority, "127.0.0.1:4568");
    assert_string_equal(endpoint.base_path, "");
    assert_int_equal(s3_endpoint_parse("HTTPS://s3.eu-west-1.amazonaws.com/", &endpoint), 0);
    assert_true(endpoint.https);
    assert_string_equal(endpoint.authority, "s3.eu-west-1.amazonaws.com");
    assert_int_equal(s3_endpoint_parse("https://[::1]:9000/minio//", &endpoint), 0);
    assert_string_equal(endpoint.authority, "[::1]:9000");
    assert_string_equal(endpoint.base_path, "/minio");
    const char *bad[] = {NULL,
                         "",
                         "ftp://host",
                         "http://",
                         "http:///path",
                         "http://user:pass@host",
                         "http://host/?x=1",
                         "http://host/#f",
                         "http://ho st",
                         "//host"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(s3_endpoint_parse(bad[i], &endpoint), -1);
}

static void bucket_names_are_checked(void **state)
{
    (void)state;
    assert_true(s3_bucket_is_valid("nekohub-test", false));
    assert_true(s3_bucket_is_valid("a.b.c", false));
    assert_false(s3_bucket_is_valid("ab", true));
    assert_false(s3_bucket_is_valid("Legacy_Bucket", false));
    assert_true(s3_bucket_is_valid("Legacy_Bucket", true));
    assert_false(s3_bucket_is_valid("has/slash", true));
    assert_false(s3_bucket_is_valid("has space", true));
    assert_false(s3_bucket_is_valid(NULL, true));
}

static void object_urls_in_both_styles(void **state)
{
    (void)state;
    s3_endpoint endpoint;
    assert_int_equal(s3_endpoint_parse("http://127.0.0.1:4568/base", &endpoint), 0);
    char *url = s3_object_url(&endpoint, "bucket", true, "2026/03/10/abc.png", NULL);
    assert_string_equal(url, "http://127.0.0.1:4568/base/bucket/2026/03/10/abc.png");
    free(url);
    url = s3_object_url(&endpoint, "bucket", false, "2026/03/10/abc.png", "uploads=");
    assert_string_equal(url, "http://bucket.127.0.0.1:4568/base/2026/03/10/abc.png?uploads=");
    free(url);
    url = s3_object_url(&endpoint, "bucket", true, "a b/c+d~e.png", NULL);
    assert_string_equal(url, "http://127.0.0.1:4568/base/bucket/a%20b/c%2Bd~e.png");
    free(url);
    url = s3_object_url(&endpoint, "bucket", true, NULL, NULL);
    assert_string_equal(url, "http://127.0.0.1:4568/base/bucket");
    free(url);
}

static void query_values_are_encoded_for_sigv4(void **state)
{
    (void)state;
    buf query;
    buf_init(&query, 0);
    assert_int_equal(s3_query_append(&query, "partNumber", "3"), 0);
    assert_int_equal(s3_query_append(&query, "uploadId", "a/b+c=d e~f.g_h-i"), 0);
    assert_string_equal(query.data, "partNumber=3&uploadId=a%2Fb%2Bc%3Dd%20e~f.g_h-i");
    buf_free(&query);
}

static void xml_values_are_read_whole_or_not_at_all(void **state)
{
    (void)state;
    const char *xml = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code>"
                      "<Message>a &lt;b&gt; &amp; &quot;c&quot;</Message></Error>";
    char value[64];
    assert_true(s3_xml_value(xml, "Code", value, sizeof value));
    assert_string_equal(value, "NoSuchBucket");
    assert_true(s3_xml_value(xml, "Message", value, sizeof value));
    assert_string_equal(value, "a <b> & \"c\"");
    assert_false(s3_xml_value(xml, "UploadId", value, sizeof value));
    char small[5];
    assert_false(s3_xml_value(xml, "Code", small, sizeof small)); /* never truncated */
    assert_false(s3_xml_value("<Code>open", "Code", value, sizeof value));
    assert_false(s3_xml_value(NULL, "Code", value, sizeof value));
}

static void complete_document_lists_the_parts(void **state)
{
    (void)state;
    char first[] = "\"etag-1\"";
    char second[] = "\"a&b\"";
    char *etags[] = {first, second};
    char *xml = s3_complete_xml(etags, 2);
    assert_non_null(strstr(xml, "<Part><PartNumber>1</PartNumber><ETag>&quot;etag-1&quot;</ETag>"
                                "</Part><Part><PartNumber>2</PartNumber><ETag>&quot;a&amp;b&quot;"
                                "</ETag></Part></CompleteMultipartUpload>"));
    assert_int_equal(strncmp(xml, "<CompleteMultipartUpload", 24), 0);
    free(xml);
}

static void content_ranges_are_parsed(void **state)
{
    (void)state;
    uint64_t first, last, total;
    assert_true(s3_parse_content_range("bytes 10-109/5000", &first, &last, &total));
    assert_true(first == 10 && last == 109 && total == 5000);
    assert_false(s3_parse_content_range("bytes 10-109/*", &first, &last, &total));
    assert_false(s3_parse_content_range("bytes 110-109/5000", &first, &last, &total));
    assert_false(s3_parse_content_range("bytes 0-5000/5000", &first, &last, &total));
    assert_false(s3_parse_content_range("items 0-1/2", &first, &last, &total));
    assert_false(s3_parse_content_range("bytes 0-1/2x", &first, &last, &total));
    assert_false(s3_parse_content_range("bytes 0-99999999999999999999/2", &first, &last, &total));
    assert_false(s3_parse_content_range(NULL, &first, &last, &total));
}

static void http_dates_are_parsed(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_true(s3_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &ms));
    assert_int_equal(ms, 784111777000LL);
    assert_false(s3_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing", &ms));
    assert_false(s3_parse_http_date("yesterday", &ms));
    assert_false(s3_parse_http_date(NULL, &ms));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(endpoints_are_parsed),
        cmocka_unit_test(bucket_names_are_checked),
        cmocka_unit_test(object_urls_in_both_styles),
        cmocka_unit_test(query_values_are_encoded_for_sigv4),
        cmocka_unit_test(xml_values_are_read_whole_or_not_at_all),
        cmocka_unit_test(complete_document_lists_the_parts),
        cmocka_unit_test(content_ranges_are_parsed),
        cmocka_unit_test(http_dates_are_parsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
