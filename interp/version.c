/*
 * interp/version.c -- the program's version string
 */
#include "interp/version.h"

const char *adf_version(void)
{
  return ADF_VERSION;
}
