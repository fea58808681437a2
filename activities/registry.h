/*
 * activities/registry.h -- the table of leaf activity types
 *
 * interp/main.c hands this table to the engine; interp/ never names a
 * leaf type.  Control types (ForEach, Until...) live in interp/control.c.
 * Rows are static and live for the whole program.
 */
#ifndef ACTIVITIES_REGISTRY_H
#define ACTIVITIES_REGISTRY_H

#include <stddef.h>

#include "interp/activity.h"

/* The row for 'type' (ADF type name, matched case-insensitively), borrowed
 * and static, or NULL when no leaf type of that name exists. */
const ActivityType *act_registry_find(const char *type);
/* Iteration over every row, in table order. */
size_t act_registry_count(void);
const ActivityType *act_registry_at(size_t i);

/* Hands act_registry_find() to the engine's command-line layer (called
 * once by interp/main.c before a subcommand runs).  Needs the interp-side
 * hook cli_set_leaf_lookup(); does nothing while that hook is absent. */
void act_registry_install(void);

/* The rows, one per leaf type file. */
extern const ActivityType act_web_type; /* activities/web.c */

#endif /* ACTIVITIES_REGISTRY_H */
