/*
 * interp/model.c -- freeing and querying the definitions model
 *
 * The loader (load.c) builds these structs; this file only tears them
 * down and answers look-ups.  Nothing here allocates except the frees'
 * inverse, so every function is safe on a model that was never run.
 */
#include "interp/model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Freeing ------------------------------------------------------------- */

static void activity_free(ActivityDef *a);

static void block_fini(ActivityBlock *b)
{
  free(b->label);
  val_unref(b->case_value);
  free(b->path);
  for (size_t i = 0; i < b->n_acts; i++)
    activity_free(b->acts[i]);
  free(b->acts);
}

static void activity_free(ActivityDef *a)
{
  if (!a)
    return;
  free(a->name);
  free(a->type);
  free(a->description);
  free(a->on_inactive_mark_as);
  for (size_t i = 0; i < a->n_deps; i++) {
    free(a->deps[i].activity);
    free(a->deps[i].path);
  }
  free(a->deps);
  val_unref(a->policy);
  val_unref(a->type_props);
  val_unref(a->user_properties);
  val_unref(a->raw);
  for (size_t i = 0; i < a->n_blocks; i++)
    block_fini(&a->blocks[i]);
  free(a->blocks);
  free(a->path);
  free(a);
}

void pipeline_free(Pipeline *p)
{
  if (!p)
    return;
  free(p->name);
  free(p->file);
  free(p->base_path);
  val_unref(p->raw);
  val_unref(p->parameters);
  val_unref(p->variables);
  val_unref(p->annotations);
  for (size_t i = 0; i < p->n_acts; i++)
    activity_free(p->acts[i]);
  free(p->acts);
  srcmap_free(p->locs);
  free(p);
}

void resource_free(Resource *r)
{
  if (!r)
    return;
  free(r->name);
  free(r->file);
  free(r->type);
  val_unref(r->raw);
  srcmap_free(r->locs);
  free(r);
}

void factory_free(Factory *f)
{
  if (!f)
    return;
  free(f->dir);
  free(f->name);
  for (size_t i = 0; i < f->n_pipelines; i++)
    pipeline_free(f->pipelines[i]);
  free(f->pipelines);
  for (size_t i = 0; i < f->n_resources; i++)
    resource_free(f->resources[i]);
  free(f->resources);
  val_unref(f->global_parameters);
  free(f);
}

/* ---- Look-ups ------------------------------------------------------------ */

Pipeline *factory_pipeline(const Factory *f, const char *name)
{
  if (!f || !name)
    return NULL;
  for (size_t i = 0; i < f->n_pipelines; i++)
    if (f->pipelines[i]->name && strcasecmp(f->pipelines[i]->name, name) == 0)
      return f->pipelines[i];
  return NULL;
}

Resource *factory_resource(const Factory *f, ResKind kind, const char *name)
{
  if (!f || !name)
    return NULL;
  for (size_t i = 0; i < f->n_resources; i++) {
    Resource *r = f->resources[i];
    if (r->kind == kind && r->name && strcasecmp(r->name, name) == 0)
      return r;
  }
  return NULL;
}

/* clang-format off */
static const char *const kind_names[] = {
  [RES_PIPELINE]            = "pipeline",
  [RES_DATASET]             = "dataset",
  [RES_LINKED_SERVICE]      = "linkedService",
  [RES_TRIGGER]             = "trigger",
  [RES_FACTORY]             = "factory",
  [RES_DATAFLOW]            = "dataflow",
  [RES_INTEGRATION_RUNTIME] = "integrationRuntime",
  [RES_CREDENTIAL]          = "credential",
  [RES_MANAGED_VNET]        = "managedVirtualNetwork",
  [RES_OTHER]               = "other",
};
/* clang-format on */

const char *res_kind_name(ResKind k)
{
  if ((int)k < 0 || k > RES_OTHER)
    return "other";
  return kind_names[k];
}

/* ---- Walking ------------------------------------------------------------- */

static bool walk_list(ActivityDef *const *acts, size_t n,
                      bool (*fn)(void *ud, const ActivityDef *a), void *ud)
{
  for (size_t i = 0; i < n; i++) {
    const ActivityDef *a = acts[i];
    if (!fn(ud, a))
      return false;
    for (size_t b = 0; b < a->n_blocks; b++)
      if (!walk_list(a->blocks[b].acts, a->blocks[b].n_acts, fn, ud))
        return false;
  }
  return true;
}

bool pipeline_walk(const Pipeline *p,
                   bool (*fn)(void *ud, const ActivityDef *a), void *ud)
{
  if (!p)
    return true;
  return walk_list(p->acts, p->n_acts, fn, ud);
}

typedef struct FindCtx {
  const char *name;
  const ActivityDef *found;
} FindCtx;

static bool find_one(void *ud, const ActivityDef *a)
{
  FindCtx *fc = ud;
  if (a->name && strcmp(a->name, fc->name) == 0) {
    fc->found = a;
    return false;
  }
  return true;
}

const ActivityDef *pipeline_find_activity(const Pipeline *p, const char *name)
{
  FindCtx fc = {name, NULL};
  if (!name)
    return NULL;
  pipeline_walk(p, find_one, &fc);
  return fc.found;
}

void pipeline_loc(const Pipeline *p, const char *path, SrcLoc *out)
{
  int line = 0, col = 0;
  out->file = p ? p->file : NULL;
  out->line = out->col = 0;
  if (path) {
    size_t n = strlen(path);
    if (n >= sizeof(out->path))
      n = sizeof(out->path) - 1;
    memcpy(out->path, path, n);
    out->path[n] = '\0';
  } else {
    out->path[0] = '\0';
  }
  if (p && p->locs && path && srcmap_find(p->locs, path, &line, &col)) {
    out->line = line;
    out->col = col;
  }
}
