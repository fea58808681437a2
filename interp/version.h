/*
 * interp/version.h -- the program's version string
 */
#ifndef INTERP_VERSION_H
#define INTERP_VERSION_H

/* Returns a static string such as "0.1.0". */
const char *adf_version(void);

#endif /* INTERP_VERSION_H */
