/* mcp_views.h - the shapes MCP answers with (spec §8.1, corrected): the asset view, the asset
 * list page, the storage profile view and every tool result, each declared once as a table
 * of members from which both the projection of the services' REST JSON and the tool's output
 * schema are made, so the two cannot disagree.
 *
 * A projection keeps exactly the view's members, in order; a member the source lacks is
 * null (so every view's schema must allow null there); null members are present as null.
 * Output schemas list every member as required, with additionalProperties false, and nullable
 * members typed ["T","null"]. The views never carry storage internals (storedFileName,
 * storageProvider, storageProviderProfileId, storageKey) nor secrets.
 *
 * Pure and thread-safe; every function returns a new reference, or NULL when out of memory. */
#ifndef NH_MCP_VIEWS_H
#define NH_MCP_VIEWS_H

#include <jansson.h>
#include <stddef.h>

struct mcp_view;

/* How a member of a view is shaped. */
typedef enum {
    MCP_MEMBER_VALUE = 0,       /* schema = the JSON text of its schema */
    MCP_MEMBER_OBJECT,          /* a nested view (never null) */
    MCP_MEMBER_NULLABLE_OBJECT, /* a nested view, or null */
    MCP_MEMBER_ARRAY,           /* an array of the nested view (never null) */
} mcp_member_kind;

typedef struct mcp_member {
    const char *name;
    mcp_member_kind kind;
    const char *schema;          /* MCP_MEMBER_VALUE: JSON text, e.g. "{\"type\":\"string\"}" */
    const struct mcp_view *view; /* the others */
} mcp_member;

typedef struct mcp_view {
    const mcp_member *members;
    size_t count;
} mcp_view;

extern const mcp_view MCP_VIEW_ASSET;           /* get_asset, patch_asset, upload_asset, asset:// */
extern const mcp_view MCP_VIEW_ASSET_PAGE;      /* list_assets */
extern const mcp_view MCP_VIEW_DERIVATIVES;     /* asset://{id}/derivatives */
extern const mcp_view MCP_VIEW_STRUCTURED;      /* asset://{id}/structured-results */
extern const mcp_view MCP_VIEW_CONTENT_URL;     /* get_asset_content_url */
extern const mcp_view MCP_VIEW_USAGE;           /* get_asset_usage_stats */
extern const mcp_view MCP_VIEW_ASSET_DELETED;   /* delete_asset */
extern const mcp_view MCP_VIEW_BATCH_DELETED;   /* batch_delete_assets */
extern const mcp_view MCP_VIEW_SKILL;           /* skill:// */
extern const mcp_view MCP_VIEW_SKILLS;          /* list_skills */
extern const mcp_view MCP_VIEW_RUN;             /* run_asset_skill */
extern const mcp_view MCP_VIEW_PROFILE;         /* create/update_storage_profile */
extern const mcp_view MCP_VIEW_PROFILES;        /* list_storage_profiles */
extern const mcp_view MCP_VIEW_PROFILE_DELETED; /* delete_storage_profile */

/* The view's members taken from source (an object; anything else projects as all-null). */
json_t *mcp_view_project(const mcp_view *view, const json_t *source);

/* The view's JSON Schema (an object schema, or ["object","null"] typed when nullable). NULL
 * also when a member's schema text does not parse (a bug, caught at start-up). */
json_t *mcp_view_schema(const mcp_view *view);

#endif
