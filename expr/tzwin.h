/* expr/tzwin.h -- Windows time-zone ID to IANA zone name mapping
 * The table is the CLDR windowsZones.xml territory "001" (default) rows, so a
 * Windows ID resolves to the zone .NET on Linux would use for it.
 */
#ifndef ADFRUN_EXPR_TZWIN_H
#define ADFRUN_EXPR_TZWIN_H

#include <stddef.h>

/* Case-insensitive lookup of a Windows ID. Returns the CLDR IANA name or NULL
   when unknown; *alt (if alt != NULL) receives the current canonical IANA name
   when CLDR uses an older alias (e.g. Asia/Calcutta -> Asia/Kolkata), else
   NULL. */
const char *dt_tzwin_lookup(const char *windows_id, const char **alt);

/* Number of entries and the i-th Windows ID (for tests and listings). */
size_t dt_tzwin_count(void);
const char *dt_tzwin_id(size_t i);

#endif
