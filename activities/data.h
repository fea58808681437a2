/*
 * activities/data.h -- the data activities' rows for the leaf registry
 *
 * Copy, Lookup, GetMetadata, Delete and Validation read and write real
 * stores (FileServer, AzureBlobStorage, HttpServer) through datasets;
 * their blocking work runs on worker threads (datajob.h), so none of
 * them ever blocks the run loop.  activities/registry.c lists these rows.
 */
#ifndef ACTIVITIES_DATA_H
#define ACTIVITIES_DATA_H

#include "interp/activity.h"

extern const ActivityType act_copy_type;        /* activities/copy.c */
extern const ActivityType act_lookup_type;      /* activities/lookup.c */
extern const ActivityType act_getmetadata_type; /* activities/getmetadata.c */
extern const ActivityType act_delete_type;      /* activities/delete.c */
extern const ActivityType act_validation_type;  /* activities/validation.c */

#endif /* ACTIVITIES_DATA_H */
