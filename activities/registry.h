/*
 * activities/registry.h -- table of leaf activity types
 */
#ifndef ACTIVITIES_REGISTRY_H
#define ACTIVITIES_REGISTRY_H

int act_registry_count(void);

#endif /* ACTIVITIES_REGISTRY_H */
