/*
 * activities/registry.c -- the table of leaf activity types
 *
 * One row per ADF leaf type, in the order documented in docs/activities/.
 * Look-ups are linear: the table is small and searched once per run.
 */
#include "activities/registry.h"

#include <strings.h>

#include "activities/data.h"
#include "interp/sched.h"

static const ActivityType *const rows[] = {
    &act_web_type,         &act_copy_type,   &act_lookup_type,
    &act_getmetadata_type, &act_delete_type, &act_validation_type,
};

#define N_ROWS (sizeof rows / sizeof rows[0])

const ActivityType *act_registry_find(const char *type)
{
  for (size_t i = 0; type && i < N_ROWS; i++)
    if (strcasecmp(rows[i]->type, type) == 0)
      return rows[i];
  return NULL;
}

size_t act_registry_count(void)
{
  return N_ROWS;
}

const ActivityType *act_registry_at(size_t i)
{
  return i < N_ROWS ? rows[i] : NULL;
}

void act_registry_install(void)
{
  /* interp/ cannot name activities/, so the engine offers a setter for
   * the process-wide default look-up. */
  cli_set_leaf_lookup(act_registry_find);
}
