/* rtc.c — the MC146818 CMOS real-time clock (ports 0x70/0x71), read once at boot for
 * CLOCK_REALTIME. If it reads as nonsense (no RTC), the epoch starts at 0. */
#include "types.h"
#include "defs.h"
#include "arch/x86/x86.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define RTC_SEC    0x00
#define RTC_MIN    0x02
#define RTC_HOUR   0x04
#define RTC_DAY    0x07
#define RTC_MONTH  0x08
#define RTC_YEAR   0x09
#define RTC_STATUS_A 0x0A
#define RTC_STATUS_B 0x0B
#define RTC_UIP    0x80   /* status A: update in progress */
#define RTC_BINARY 0x04   /* status B: binary, not BCD */
#define RTC_24H    0x02   /* status B: 24-hour mode */
#define NMI_DISABLE 0x80

static uint8_t cmos_read(uint8_t reg) {
  outb(CMOS_INDEX, NMI_DISABLE | reg);
  return inb(CMOS_DATA);
}

static uint32_t bcd(uint8_t v, int binary) {
  return binary ? v : (v >> 4) * 10 + (v & 0xF);
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian; Howard Hinnant's algorithm). */
static uint32_t days_from_civil(uint32_t y, uint32_t m, uint32_t d) {
  y -= m <= 2;
  uint32_t era = y / 400, yoe = y - era * 400;
  uint32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

uint32_t rtc_read_epoch(void) {
  for (int i = 0; i < 100000 && (cmos_read(RTC_STATUS_A) & RTC_UIP); i++)
    ;
  uint8_t b = cmos_read(RTC_STATUS_B);
  int bin = b & RTC_BINARY;
  uint32_t sec = bcd(cmos_read(RTC_SEC), bin), min = bcd(cmos_read(RTC_MIN), bin);
  uint8_t hraw = cmos_read(RTC_HOUR);
  uint32_t hour = bcd(hraw & 0x7F, bin);
  uint32_t day = bcd(cmos_read(RTC_DAY), bin), mon = bcd(cmos_read(RTC_MONTH), bin);
  uint32_t year = bcd(cmos_read(RTC_YEAR), bin) + 2000;
  if (!(b & RTC_24H) && (hraw & 0x80))
    hour = (hour % 12) + 12;
  if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12)
    return 0;
  return days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}
