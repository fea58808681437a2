/* expr/tzwin.c -- Windows time-zone ID to IANA zone name mapping
 * Data: CLDR common/supplemental/windowsZones.xml, the territory "001" row of
 * every Windows ID (the zone .NET/ICU pick for it). `alt` is the current
 * canonical IANA name where CLDR still lists a backward-compatible alias; the
 * loader tries the CLDR name first, then alt.
 */
#include "expr/tzwin.h"

#include <strings.h>

typedef struct TzWinEntry {
  const char *windows_id;
  const char *iana;
  const char *alt;
} TzWinEntry;

static const TzWinEntry TZWIN_TABLE[] = {
    {"Dateline Standard Time", "Etc/GMT+12", NULL},
    {"UTC-11", "Etc/GMT+11", NULL},
    {"Aleutian Standard Time", "America/Adak", NULL},
    {"Hawaiian Standard Time", "Pacific/Honolulu", NULL},
    {"Marquesas Standard Time", "Pacific/Marquesas", NULL},
    {"Alaskan Standard Time", "America/Anchorage", NULL},
    {"UTC-09", "Etc/GMT+9", NULL},
    {"Pacific Standard Time (Mexico)", "America/Tijuana", NULL},
    {"UTC-08", "Etc/GMT+8", NULL},
    {"Pacific Standard Time", "America/Los_Angeles", NULL},
    {"US Mountain Standard Time", "America/Phoenix", NULL},
    {"Mountain Standard Time (Mexico)", "America/Mazatlan", NULL},
    {"Mountain Standard Time", "America/Denver", NULL},
    {"Yukon Standard Time", "America/Whitehorse", NULL},
    {"Central America Standard Time", "America/Guatemala", NULL},
    {"Central Standard Time", "America/Chicago", NULL},
    {"Easter Island Standard Time", "Pacific/Easter", NULL},
    {"Central Standard Time (Mexico)", "America/Mexico_City", NULL},
    {"Canada Central Standard Time", "America/Regina", NULL},
    {"SA Pacific Standard Time", "America/Bogota", NULL},
    {"Eastern Standard Time (Mexico)", "America/Cancun", NULL},
    {"Eastern Standard Time", "America/New_York", NULL},
    {"Haiti Standard Time", "America/Port-au-Prince", NULL},
    {"Cuba Standard Time", "America/Havana", NULL},
    {"US Eastern Standard Time", "America/Indianapolis",
     "America/Indiana/Indianapolis"},
    {"Turks And Caicos Standard Time", "America/Grand_Turk", NULL},
    {"Paraguay Standard Time", "America/Asuncion", NULL},
    {"Atlantic Standard Time", "America/Halifax", NULL},
    {"Venezuela Standard Time", "America/Caracas", NULL},
    {"Central Brazilian Standard Time", "America/Cuiaba", NULL},
    {"SA Western Standard Time", "America/La_Paz", NULL},
    {"Pacific SA Standard Time", "America/Santiago", NULL},
    {"Newfoundland Standard Time", "America/St_Johns", NULL},
    {"Tocantins Standard Time", "America/Araguaina", NULL},
    {"E. South America Standard Time", "America/Sao_Paulo", NULL},
    {"SA Eastern Standard Time", "America/Cayenne", NULL},
    {"Argentina Standard Time", "America/Buenos_Aires",
     "America/Argentina/Buenos_Aires"},
    {"Greenland Standard Time", "America/Godthab", "America/Nuuk"},
    {"Montevideo Standard Time", "America/Montevideo", NULL},
    {"Magallanes Standard Time", "America/Punta_Arenas", NULL},
    {"Saint Pierre Standard Time", "America/Miquelon", NULL},
    {"Bahia Standard Time", "America/Bahia", NULL},
    {"UTC-02", "Etc/GMT+2", NULL},
    {"Azores Standard Time", "Atlantic/Azores", NULL},
    {"Cape Verde Standard Time", "Atlantic/Cape_Verde", NULL},
    {"UTC", "Etc/UTC", NULL},
    {"GMT Standard Time", "Europe/London", NULL},
    {"Greenwich Standard Time", "Atlantic/Reykjavik", NULL},
    {"Sao Tome Standard Time", "Africa/Sao_Tome", NULL},
    {"Morocco Standard Time", "Africa/Casablanca", NULL},
    {"W. Europe Standard Time", "Europe/Berlin", NULL},
    {"Central Europe Standard Time", "Europe/Budapest", NULL},
    {"Romance Standard Time", "Europe/Paris", NULL},
    {"Central European Standard Time", "Europe/Warsaw", NULL},
    {"W. Central Africa Standard Time", "Africa/Lagos", NULL},
    {"Jordan Standard Time", "Asia/Amman", NULL},
    {"GTB Standard Time", "Europe/Bucharest", NULL},
    {"Middle East Standard Time", "Asia/Beirut", NULL},
    {"Egypt Standard Time", "Africa/Cairo", NULL},
    {"E. Europe Standard Time", "Europe/Chisinau", NULL},
    {"Syria Standard Time", "Asia/Damascus", NULL},
    {"West Bank Standard Time", "Asia/Hebron", NULL},
    {"South Africa Standard Time", "Africa/Johannesburg", NULL},
    {"FLE Standard Time", "Europe/Kiev", "Europe/Kyiv"},
    {"Israel Standard Time", "Asia/Jerusalem", NULL},
    {"South Sudan Standard Time", "Africa/Juba", NULL},
    {"Kaliningrad Standard Time", "Europe/Kaliningrad", NULL},
    {"Sudan Standard Time", "Africa/Khartoum", NULL},
    {"Libya Standard Time", "Africa/Tripoli", NULL},
    {"Namibia Standard Time", "Africa/Windhoek", NULL},
    {"Arabic Standard Time", "Asia/Baghdad", NULL},
    {"Turkey Standard Time", "Europe/Istanbul", NULL},
    {"Arab Standard Time", "Asia/Riyadh", NULL},
    {"Belarus Standard Time", "Europe/Minsk", NULL},
    {"Russian Standard Time", "Europe/Moscow", NULL},
    {"E. Africa Standard Time", "Africa/Nairobi", NULL},
    {"Iran Standard Time", "Asia/Tehran", NULL},
    {"Arabian Standard Time", "Asia/Dubai", NULL},
    {"Astrakhan Standard Time", "Europe/Astrakhan", NULL},
    {"Azerbaijan Standard Time", "Asia/Baku", NULL},
    {"Russia Time Zone 3", "Europe/Samara", NULL},
    {"Mauritius Standard Time", "Indian/Mauritius", NULL},
    {"Saratov Standard Time", "Europe/Saratov", NULL},
    {"Georgian Standard Time", "Asia/Tbilisi", NULL},
    {"Volgograd Standard Time", "Europe/Volgograd", NULL},
    {"Caucasus Standard Time", "Asia/Yerevan", NULL},
    {"Afghanistan Standard Time", "Asia/Kabul", NULL},
    {"West Asia Standard Time", "Asia/Tashkent", NULL},
    {"Ekaterinburg Standard Time", "Asia/Yekaterinburg", NULL},
    {"Pakistan Standard Time", "Asia/Karachi", NULL},
    {"Qyzylorda Standard Time", "Asia/Qyzylorda", NULL},
    {"India Standard Time", "Asia/Calcutta", "Asia/Kolkata"},
    {"Sri Lanka Standard Time", "Asia/Colombo", NULL},
    {"Nepal Standard Time", "Asia/Katmandu", "Asia/Kathmandu"},
    {"Central Asia Standard Time", "Asia/Bishkek", NULL},
    {"Bangladesh Standard Time", "Asia/Dhaka", NULL},
    {"Omsk Standard Time", "Asia/Omsk", NULL},
    {"Myanmar Standard Time", "Asia/Rangoon", "Asia/Yangon"},
    {"SE Asia Standard Time", "Asia/Bangkok", NULL},
    {"Altai Standard Time", "Asia/Barnaul", NULL},
    {"W. Mongolia Standard Time", "Asia/Hovd", NULL},
    {"North Asia Standard Time", "Asia/Krasnoyarsk", NULL},
    {"N. Central Asia Standard Time", "Asia/Novosibirsk", NULL},
    {"Tomsk Standard Time", "Asia/Tomsk", NULL},
    {"China Standard Time", "Asia/Shanghai", NULL},
    {"North Asia East Standard Time", "Asia/Irkutsk", NULL},
    {"Singapore Standard Time", "Asia/Singapore", NULL},
    {"W. Australia Standard Time", "Australia/Perth", NULL},
    {"Taipei Standard Time", "Asia/Taipei", NULL},
    {"Ulaanbaatar Standard Time", "Asia/Ulaanbaatar", NULL},
    {"Aus Central W. Standard Time", "Australia/Eucla", NULL},
    {"Transbaikal Standard Time", "Asia/Chita", NULL},
    {"Tokyo Standard Time", "Asia/Tokyo", NULL},
    {"North Korea Standard Time", "Asia/Pyongyang", NULL},
    {"Korea Standard Time", "Asia/Seoul", NULL},
    {"Yakutsk Standard Time", "Asia/Yakutsk", NULL},
    {"Cen. Australia Standard Time", "Australia/Adelaide", NULL},
    {"AUS Central Standard Time", "Australia/Darwin", NULL},
    {"E. Australia Standard Time", "Australia/Brisbane", NULL},
    {"AUS Eastern Standard Time", "Australia/Sydney", NULL},
    {"West Pacific Standard Time", "Pacific/Port_Moresby", NULL},
    {"Tasmania Standard Time", "Australia/Hobart", NULL},
    {"Vladivostok Standard Time", "Asia/Vladivostok", NULL},
    {"Lord Howe Standard Time", "Australia/Lord_Howe", NULL},
    {"Bougainville Standard Time", "Pacific/Bougainville", NULL},
    {"Russia Time Zone 10", "Asia/Srednekolymsk", NULL},
    {"Magadan Standard Time", "Asia/Magadan", NULL},
    {"Norfolk Standard Time", "Pacific/Norfolk", NULL},
    {"Sakhalin Standard Time", "Asia/Sakhalin", NULL},
    {"Central Pacific Standard Time", "Pacific/Guadalcanal", NULL},
    {"Russia Time Zone 11", "Asia/Kamchatka", NULL},
    {"New Zealand Standard Time", "Pacific/Auckland", NULL},
    {"UTC+12", "Etc/GMT-12", NULL},
    {"Fiji Standard Time", "Pacific/Fiji", NULL},
    {"Chatham Islands Standard Time", "Pacific/Chatham", NULL},
    {"UTC+13", "Etc/GMT-13", NULL},
    {"Tonga Standard Time", "Pacific/Tongatapu", NULL},
    {"Samoa Standard Time", "Pacific/Apia", NULL},
    {"Line Islands Standard Time", "Pacific/Kiritimati", NULL},
};

#define TZWIN_COUNT (sizeof TZWIN_TABLE / sizeof TZWIN_TABLE[0])

const char *dt_tzwin_lookup(const char *windows_id, const char **alt)
{
  if (alt)
    *alt = NULL;
  if (!windows_id)
    return NULL;
  for (size_t i = 0; i < TZWIN_COUNT; i++) {
    if (strcasecmp(TZWIN_TABLE[i].windows_id, windows_id) == 0) {
      if (alt)
        *alt = TZWIN_TABLE[i].alt;
      return TZWIN_TABLE[i].iana;
    }
  }
  return NULL;
}

size_t dt_tzwin_count(void)
{
  return TZWIN_COUNT;
}

const char *dt_tzwin_id(size_t i)
{
  return i < TZWIN_COUNT ? TZWIN_TABLE[i].windows_id : NULL;
}
