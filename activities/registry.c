/*
 * activities/registry.c -- table of leaf activity types (filled by later work)
 */
#include "activities/registry.h"

int act_registry_count(void)
{
  return 0;
}
